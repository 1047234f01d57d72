// One import for plugin authors: `import BertSlimSDK` brings SlimTensor too.
@_exported import SlimTensor

/// Version of the SDK this library was built as (semantic versioning; plugins built
/// against 1.x load in any 1.y host with y ≥ x).
public enum SDKVersion {
    public static let major = 1
    public static let minor = 6
    public static let patch = 0
    public static var string: String { "\(major).\(minor).\(patch)" }
}
