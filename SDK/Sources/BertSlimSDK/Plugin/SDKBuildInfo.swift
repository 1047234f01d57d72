/// The versions a plugin was compiled against. ``current`` is evaluated in the plugin's own
/// code at its compile time (it is emitted into the client), so a descriptor records the SDK
/// the plugin was built with, not the one it happens to run with.
public struct SDKBuildInfo: Sendable, Equatable {
    /// ABI major (`BERTSLIM_PLUGIN_ABI_MAJOR`): a host loads only plugins with its own major.
    public var abiMajor: UInt32
    /// ABI minor (`BERTSLIM_PLUGIN_ABI_MINOR`): tables grew at the end.
    public var abiMinor: UInt32
    /// SDK semantic version, e.g. `1.0.0`.
    public var sdkVersion: String
    /// The Swift toolchain, e.g. `swift-6.3.1`.
    public var toolchain: String

    /// Build information from its parts.
    public init(abiMajor: UInt32, abiMinor: UInt32, sdkVersion: String, toolchain: String) {
        self.abiMajor = abiMajor
        self.abiMinor = abiMinor
        self.sdkVersion = sdkVersion
        self.toolchain = toolchain
    }

    /// The ABI version as the descriptor stores it: major in the high 16 bits.
    public var abiVersion: UInt32 { abiMajor << 16 | abiMinor }

    /// `swift-6.3.1+sdk-1.0.0`: what the descriptor's `build_id` says.
    public var buildID: String { "\(toolchain)+sdk-\(sdkVersion)" }

    /// What the code calling this was compiled against. Kept equal to `bertslim_plugin.h` and
    /// ``SDKVersion`` by a test.
    @_alwaysEmitIntoClient
    public static var current: SDKBuildInfo {
        SDKBuildInfo(abiMajor: 1, abiMinor: 3, sdkVersion: "1.6.0", toolchain: compilingToolchain)
    }

    /// The compiler building the calling code (resolved at its compile time).
    @_alwaysEmitIntoClient
    public static var compilingToolchain: String {
        #if compiler(>=6.4)
        return "swift-6.4+"
        #elseif compiler(>=6.3.1)
        return "swift-6.3.1"
        #elseif compiler(>=6.3)
        return "swift-6.3"
        #elseif compiler(>=6.2)
        return "swift-6.2"
        #else
        return "swift-older"
        #endif
    }
}

/// Where this process's SDK code lives, for the host's check that a plugin did not bring its
/// own copy (DESIGN.md §2).
public enum SDKImage {
    /// The base of the image that contains the SDK code executing this call: the shared
    /// `libBertSlimSDK.so`, or a plugin that embedded the SDK statically.
    public static var handle: UnsafeRawPointer { #dsohandle }
}

/// Defined only by libBertSlimSDK.so (`BERTSLIM_SDK_ANCHOR_SYMBOL`): a plugin image that
/// defines it too carries a second copy of the SDK.
@_cdecl("bertslim_sdk_anchor")
public func bertslimSDKAnchor() -> UInt32 { SDKBuildInfo.current.abiVersion }
