import BertSlimSDK
import CBertSlimPlugin

/// The host's side of `bertslim_plugin.h`: the constants it checks descriptors against.
enum PluginABI {
    /// `bertslim_plugin_entry`.
    static let entrySymbol = BERTSLIM_PLUGIN_ENTRY_SYMBOL
    /// `bertslim_sdk_anchor`: defined only by libBertSlimSDK.so.
    static let anchorSymbol = BERTSLIM_SDK_ANCHOR_SYMBOL
    /// The SDK library, never a plugin.
    static let sdkLibraryName = "libBertSlimSDK.so"
    /// The host's ABI major.
    static let hostMajor = UInt32(BERTSLIM_PLUGIN_ABI_MAJOR)
    /// The host's ABI minor.
    static let hostMinor = UInt32(BERTSLIM_PLUGIN_ABI_MINOR)
    /// Smallest descriptor a 1.x host reads.
    static let minimumDescriptorSize = Int(BERTSLIM_PLUGIN_DESCRIPTOR_MIN_SIZE_1_0)
    /// Smallest component entry a 1.x host reads.
    static let minimumComponentSize = Int(BERTSLIM_COMPONENT_MIN_SIZE_1_0)
}
