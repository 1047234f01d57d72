import BertSlimHost
import Foundation
import Testing

/// The run folder: one run at a time, clear messages when it cannot be made, and nothing
/// made when the recipe is refused.
@Suite("Run folder")
struct RunFolderTests {
    static let workspace = Result { try RecipeFixtures.workspace("run-folder", train: 32, dev: 8, test: 8) }

    func recipe(_ name: String, test: String = "test.tsv") throws -> String {
        try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1).replacingOccurrences(of: "test: test.tsv", with: "test: \(test)"),
                                 name, in: try Self.workspace.get())
    }

    /// Two `run --out X` at once used to interleave their log lines and write a corrupt
    /// metrics.jsonl line; the second now refuses and names the holder.
    @Test func aSecondRunInTheSameFolderIsRefused() throws {
        let out = try Self.workspace.get().appendingPathComponent("locked-\(UUID().uuidString.prefix(6))")
        let held = try RunFolderLock(folder: out.path, command: "a test holding the folder")
        let path = try recipe("locked.yaml")
        let result = try runCommand(TestEnvironment.bertslim, ["run", path, "--out", out.path, "--resume", "--quiet"], check: false)
        #expect(result.status == 1)
        #expect(result.errors.hasPrefix("error: \(out.path) is in use by another run (pid \(getpid()): a test holding the folder, since "),
                "\(result.errors)")
        #expect(result.errors.hasSuffix("); wait for it to end, or use another --out\n"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("log.txt").path))
        withExtendedLifetime(held) {}
    }

    @Test func theLockIsLetGoWhenItsHolderEnds() throws {
        let out = try Self.workspace.get().appendingPathComponent("released-\(UUID().uuidString.prefix(6))")
        do { _ = try RunFolderLock(folder: out.path, command: "first") }
        let again = try RunFolderLock(folder: out.path, command: "second")
        #expect(throws: ExperimentError.self) { try RunFolderLock(folder: out.path, command: "third") }
        withExtendedLifetime(again) {}
    }

    /// Foundation's own error (NSCocoaErrorDomain Code=512 …) used to be all `run` said.
    @Test(arguments: ["under-a-file", "/proc/bertslim-cannot-be-here"])
    func anOutputFolderThatCannotBeMadeIsOneLine(where place: String) throws {
        let folder = try Self.workspace.get()
        let file = try RecipeFixtures.write("not a folder", "a-file", in: folder)
        let out = place == "under-a-file" ? file + "/run" : place
        let result = try runCommand(TestEnvironment.bertslim, ["run", try recipe("out.yaml"), "--out", out, "--quiet"], check: false)
        #expect(result.status == 1)
        let reason = place == "under-a-file" ? "Not a directory" : "No such file or directory"
        #expect(result.errors == "error: --out \(out): cannot create the run folder: \(reason)\n")
    }

    /// A test label the training file lacks used to pass validate, then fail the run with
    /// a half-made folder.
    @Test func aRecipeRefusedAtValidationMakesNoFolder() throws {
        let folder = try Self.workspace.get()
        let test = try String(contentsOf: folder.appendingPathComponent("test.tsv"), encoding: .utf8) + "an odd film\tneutral\n"
        _ = try RecipeFixtures.write(test, "test-neutral.tsv", in: folder)
        let out = folder.appendingPathComponent("refused")
        let result = try runCommand(TestEnvironment.bertslim, ["run", try recipe("neutral.yaml", test: "test-neutral.tsv"), "--out", out.path],
                                    check: false)
        #expect(result.status == 2)
        #expect(result.errors.contains("data.test: \(folder.path)/test-neutral.tsv:10: unknown label 'neutral'"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
