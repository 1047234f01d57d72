import Foundation

/// `SDK/Examples/ExternalPlugin` built out of tree with its own `swift build` (once per test
/// run; the scratch folder under `.build/` keeps later runs incremental).
enum ExternalPackageBuild {
    /// The folder holding `libCosineDistillation.so` (and the package's own libBertSlimSDK.so).
    static let products = Result { () throws -> URL in
        let root = TestEnvironment.packageRoot
        let scratch = root.appendingPathComponent(".build/plugin-tests/external-plugin")
        try runCommand("swift", ["build", "--package-path", root.appendingPathComponent("SDK/Examples/ExternalPlugin").path,
                                 "--scratch-path", scratch.path])
        return scratch.appendingPathComponent("debug")
    }
}

/// The SDK folder `make sdk` makes, assembled from this test build by the same script.
enum SDKFolder {
    /// The folder (lib/, modules/, include/, README.md, examples/).
    static let folder = Result { () throws -> URL in
        let folder = try TestEnvironment.temporaryFolder("sdk").appendingPathComponent("BertSlimSDK")
        try runCommand(TestEnvironment.packageRoot.appendingPathComponent("scripts/package-sdk.sh").path,
                       [TestEnvironment.buildDirectory.path, folder.path])
        return folder
    }
}

/// Whether `file` links libBertSlimSDK.so, and how many SDK symbols it defines itself
/// (DESIGN.md §1, with the pattern anchored so that the plugin's own symbols that merely
/// mention SDK types are not counted).
func sdkLinkage(of file: URL) throws -> (needsSDK: Bool, ownSDKSymbols: [String]) {
    let dynamic = try runCommand("readelf", ["-d", file.path]).output
    let needs = dynamic.split(separator: "\n").contains { $0.contains("(NEEDED)") && $0.contains("[libBertSlimSDK.so]") }
    let symbols = try runCommand("nm", ["-D", "--defined-only", file.path]).output
        .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
    let own = symbols.filter { $0.hasPrefix("$s11BertSlimSDK") || $0.hasPrefix("$s10SlimTensor") || $0 == "bertslim_sdk_anchor" }
    return (needs, own)
}
