import BertSlimHost
import Foundation
import Testing

/// A host that searches nothing by itself.
func isolatedHost(paths: [String] = [], verify: Bool = false) -> PluginHost {
    PluginHost(options: .init(pluginPaths: paths, environment: [:], includeDefaultLocations: false,
                              verifyInChildProcess: verify, probeExecutable: TestEnvironment.bertslim))
}

/// The rejection message of loading `file` alone.
func rejection(_ file: URL) -> String? {
    do {
        try isolatedHost().load(file: file.path)
        return nil
    } catch {
        return String(describing: error)
    }
}

@Suite("Loader rejections")
struct LoaderRejectionTests {
    let bad: BadPlugins

    init() throws { bad = try BadPlugins.shared.get() }

    @Test func aTextFileRenamedSoShowsTheRealReason() {
        #expect(rejection(bad.notELF) == "\(bad.notELF.path): not a shared library: invalid ELF header")
    }

    @Test func aMissingDependencyIsNamed() {
        #expect(rejection(bad.missingDependency) == "\(bad.missingDependency.path): missing dependency libbertslim_fixture_gone.so: "
                + "libbertslim_fixture_gone.so: cannot open shared object file: No such file or directory")
    }

    @Test func aLibraryWithoutTheEntrySymbolIsNotAPlugin() {
        #expect(rejection(bad.noEntry) == "\(bad.noEntry.path): no entry symbol bertslim_plugin_entry (not a BertSlim plugin)")
    }

    @Test func anABIMajorMismatchGivesBothVersions() {
        #expect(rejection(bad.abiMajor2) == "\(bad.abiMajor2.path): plugin ABI 2.3 does not match host ABI 1.3 "
                + "(major versions differ); rebuild it against SDK 1.x")
    }

    @Test func aTooSmallDescriptorIsRejectedBeforeItIsRead() {
        #expect(rejection(bad.tinyDescriptor)
                == "\(bad.tinyDescriptor.path): descriptor too small: struct_size is 8 bytes, ABI 1.x needs at least 96")
    }

    @Test func aPluginWithItsOwnSDKCopyIsRejected() {
        #expect(rejection(bad.ownSDK) == "\(bad.ownSDK.path): carries its own copy of the BertSlim SDK "
                + "(bertslim_sdk_anchor is defined in \(bad.ownSDK.path), the host's is in "
                + "\(TestEnvironment.buildDirectory.appendingPathComponent("libBertSlimSDK.so").path)); "
                + "link libBertSlimSDK.so dynamically")
    }

    @Test func aPluginHidingItsSDKCopyIsCaughtByTheDescriptor() {
        #expect(rejection(bad.ownSDKHidden) == "\(bad.ownSDKHidden.path): carries its own copy of the BertSlim SDK "
                + "(its descriptor was built by SDK code in \(bad.ownSDKHidden.path), the host's SDK is "
                + "\(TestEnvironment.buildDirectory.appendingPathComponent("libBertSlimSDK.so").path)); "
                + "link libBertSlimSDK.so dynamically")
    }

    @Test func twoComponentsWithTheSameNameNameBothFiles() throws {
        let host = isolatedHost(paths: [bad.twinA.deletingLastPathComponent().path, bad.twinB.deletingLastPathComponent().path])
        let problems = host.load()
        #expect(problems.map(\.description)
                == ["loss \"twin\" is declared by both \(bad.twinA.path) and \(bad.twinB.path)"])
        #expect(host.plugins.map(\.manifest.id) == ["org.bertslim.fixture.twin-a"])
        #expect(host.components(of: .loss).map(\.name) == ["twin"])
    }

    @Test func discoveryFiltersReadmesAndFoldersAndKeepsGoodPlugins() throws {
        let folder = try TestEnvironment.temporaryFolder("mixed")
        for file in [bad.notELF, bad.noEntry, bad.abiMajor2, bad.twinA] {
            try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent))
        }
        try Data("notes".utf8).write(to: folder.appendingPathComponent("README.md"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("libsub.so.d"), withIntermediateDirectories: true)
        let host = isolatedHost(paths: [folder.path])
        #expect(host.discover().map { URL(fileURLWithPath: $0).lastPathComponent }
                == ["libabi_major_2.so", "libno_entry.so", "libnot_elf.so", "libtwin_a.so"])
        let problems = host.load()
        #expect(problems.compactMap(\.file).map { URL(fileURLWithPath: $0).lastPathComponent }
                == ["libabi_major_2.so", "libno_entry.so", "libnot_elf.so"])
        #expect(host.plugins.map(\.manifest.id) == ["org.bertslim.fixture.twin-a"])
    }
}

@Suite("Crashing plugins")
struct CrashProbeTests {
    let bad: BadPlugins

    init() throws { bad = try BadPlugins.shared.get() }

    @Test func verifyReportsTheSignalAndExitsNonZero() throws {
        let result = try runCommand(TestEnvironment.bertslim, ["plugins", "verify", bad.crash.path, bad.twinA.path], check: false)
        #expect(result.status == 1)
        #expect(!result.crashed)
        #expect(result.output == """
            ok    \(bad.twinA.path): org.bertslim.fixture.twin-a 1.0.0 (loss:twin)
            FAIL  \(bad.crash.path): crashed with signal 11 (SIGSEGV) while being probed

            """)
    }

    @Test func verifyGivesEveryReasonForAFolderOfBadPlugins() throws {
        let folder = try TestEnvironment.temporaryFolder("verify-all")
        for file in [bad.notELF, bad.missingDependency, bad.noEntry, bad.abiMajor2, bad.tinyDescriptor, bad.crash, bad.ownSDK] {
            try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent))
        }
        let result = try runCommand(TestEnvironment.bertslim, ["plugins", "verify", folder.path], check: false)
        let dir = folder.path
        #expect(result.status == 1)
        #expect(result.output.split(separator: "\n").map(String.init) == [
            "FAIL  \(dir)/libabi_major_2.so: plugin ABI 2.3 does not match host ABI 1.3 (major versions differ); rebuild it against SDK 1.x",
            "FAIL  \(dir)/libcrash.so: crashed with signal 11 (SIGSEGV) while being probed",
            "FAIL  \(dir)/libneeds_missing.so: missing dependency libbertslim_fixture_gone.so: libbertslim_fixture_gone.so: cannot open shared object file: No such file or directory",
            "FAIL  \(dir)/libno_entry.so: no entry symbol bertslim_plugin_entry (not a BertSlim plugin)",
            "FAIL  \(dir)/libnot_elf.so: not a shared library: invalid ELF header",
            "FAIL  \(dir)/libown_sdk.so: carries its own copy of the BertSlim SDK (bertslim_sdk_anchor is defined in \(dir)/libown_sdk.so, "
                + "the host's is in \(TestEnvironment.buildDirectory.path)/libBertSlimSDK.so); link libBertSlimSDK.so dynamically",
            "FAIL  \(dir)/libtiny_descriptor.so: descriptor too small: struct_size is 8 bytes, ABI 1.x needs at least 96",
        ])
    }

    @Test func aHostThatVerifiesFirstLivesOnAndLoadsTheRest() throws {
        let folder = try TestEnvironment.temporaryFolder("crash-and-good")
        for file in [bad.crash, bad.twinA] {
            try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(file.lastPathComponent))
        }
        let host = isolatedHost(paths: [folder.path], verify: true)
        let problems = host.load()
        #expect(problems.map(\.description) == ["\(folder.path)/libcrash.so: crashed with signal 11 (SIGSEGV) while being probed"])
        #expect(host.plugins.map(\.manifest.id) == ["org.bertslim.fixture.twin-a"])
    }

    @Test func verifyReportsDuplicatesAcrossFiles() throws {
        let result = try runCommand(TestEnvironment.bertslim, ["plugins", "verify", bad.twinA.path, bad.twinB.path], check: false)
        #expect(result.status == 1)
        #expect(result.output.contains("FAIL  loss \"twin\" is declared by both \(bad.twinA.path) and \(bad.twinB.path)"))
    }
}
