import Foundation

/// The bad plugins, one per rejection case, built once per test run into a temporary folder
/// (each in a folder of its own), plus two good twins that clash on a component name.
final class BadPlugins: @unchecked Sendable {
    let notELF: URL
    let missingDependency: URL
    let noEntry: URL
    let abiMajor2: URL
    let tinyDescriptor: URL
    let crash: URL
    let ownSDK: URL
    let ownSDKHidden: URL
    let twinA: URL
    let twinB: URL
    /// Library constructors that call exit(0), fake a probe report, hang ignoring SIGTERM,
    /// abort, or count how often they are opened (constructor_effects.c).
    let exitInConstructor: URL
    let fakeReport: URL
    let hang: URL
    let abortInConstructor: URL
    let countOpens: URL

    /// Built on first use; the error, if building failed, is rethrown by every test using it.
    static let shared = Result { try BadPlugins() }

    private init() throws {
        let root = try TestEnvironment.temporaryFolder("bad-plugins")
        let sources = TestEnvironment.fixtureSources
        let header = TestEnvironment.packageRoot.appendingPathComponent("SDK/Sources/CBertSlimPlugin/include").path
        func folder(_ name: String) throws -> URL {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        func clang(_ source: String, _ output: URL, _ flags: [String] = [], also: [String] = []) throws {
            try runCommand("clang", ["-shared", "-fPIC", "-O0", "-I", header] + flags
                           + ([source] + also).map { sources.appendingPathComponent($0).path } + ["-o", output.path])
        }

        notELF = try folder("not-elf").appendingPathComponent("libnot_elf.so")
        try Data("This is a text file that was renamed to look like a plugin library.\n".utf8).write(to: notELF)

        let gone = try folder("gone")
        try clang("gone_dependency.c", gone.appendingPathComponent("libbertslim_fixture_gone.so"))
        missingDependency = try folder("missing-dependency").appendingPathComponent("libneeds_missing.so")
        try clang("needs_missing.c", missingDependency, ["-L", gone.path, "-lbertslim_fixture_gone"])
        try FileManager.default.removeItem(at: gone)

        noEntry = try folder("no-entry").appendingPathComponent("libno_entry.so")
        try clang("fake_descriptor.c", noEntry, ["-DFIXTURE_NO_ENTRY"])
        abiMajor2 = try folder("abi-major-2").appendingPathComponent("libabi_major_2.so")
        try clang("fake_descriptor.c", abiMajor2, ["-DFIXTURE_ABI_MAJOR=2"])
        tinyDescriptor = try folder("tiny-descriptor").appendingPathComponent("libtiny_descriptor.so")
        try clang("fake_descriptor.c", tinyDescriptor, ["-DFIXTURE_TINY"])
        crash = try folder("crash").appendingPathComponent("libcrash.so")
        try clang("fake_descriptor.c", crash, ["-DFIXTURE_CRASH"])
        func effect(_ name: String, _ flag: String) throws -> URL {
            let file = try folder(name).appendingPathComponent("lib\(name.replacingOccurrences(of: "-", with: "_")).so")
            try clang("fake_descriptor.c", file, ["-DFIXTURE_\(flag)"], also: ["constructor_effects.c"])
            return file
        }
        exitInConstructor = try effect("exit-in-constructor", "EXIT")
        fakeReport = try effect("fake-report", "FAKE_REPORT")
        hang = try effect("hang", "HANG")
        abortInConstructor = try effect("abort-in-constructor", "ABORT")
        countOpens = try effect("count-opens", "COUNT")

        let build = TestEnvironment.buildDirectory
        func swiftPlugin(_ module: String, _ output: URL, _ flags: [String]) throws {
            try runCommand("swiftc", ["-emit-library", "-module-name", module, "-I", build.appendingPathComponent("Modules").path]
                           + flags + [sources.appendingPathComponent("twin.swift").path, "-o", output.path])
        }
        let linkSDK = ["-L", build.path, "-lBertSlimSDK"]
        twinA = try folder("twin-a").appendingPathComponent("libtwin_a.so")
        try swiftPlugin("TwinA", twinA, linkSDK)
        twinB = try folder("twin-b").appendingPathComponent("libtwin_b.so")
        try swiftPlugin("TwinB", twinB, linkSDK + ["-D", "TWIN_B"])
        // The SDK's object files linked into the plugin: what SwiftPM does when a plugin and
        // the SDK share a package (DESIGN.md §1).
        let objects = try ["SlimTensor", "BertSlimSDK", "CSlimKernels", "CBertSlimPlugin"].flatMap { target in
            let dir = build.appendingPathComponent("\(target).build")
            return try FileManager.default.contentsOfDirectory(atPath: dir.path)
                .filter { $0.hasSuffix(".o") && !$0.hasSuffix(".swiftmodule.o") }.map { dir.appendingPathComponent($0).path }
        }
        ownSDK = try folder("own-sdk").appendingPathComponent("libown_sdk.so")
        try swiftPlugin("OwnSDK", ownSDK, ["-D", "OWN_SDK"] + objects + ["-ldnnl"])
        // The same, exporting nothing but the entry: only the descriptor's sdk_image tells.
        let exports = root.appendingPathComponent("entry-only.map")
        try Data("{ global: bertslim_plugin_entry; local: *; };\n".utf8).write(to: exports)
        ownSDKHidden = try folder("own-sdk-hidden").appendingPathComponent("libown_sdk_hidden.so")
        try swiftPlugin("OwnSDKHidden", ownSDKHidden,
                        ["-D", "OWN_SDK"] + objects + ["-ldnnl", "-Xlinker", "--version-script=\(exports.path)"])
    }
}
