import Foundation
import Testing

/// `bertslim finetune` refuses what would fail (or trap) only after training.
@Suite("finetune command")
struct FineTuneCommandTests {
    static let workspace = Result { try RecipeFixtures.workspace("finetune", train: 20, dev: 8, test: 8) }

    func finetune(_ extra: [String], out: String? = nil) throws -> CommandResult {
        let folder = try Self.workspace.get()
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        let long = try RecipeFixtures.write(
            "text\tlabel\n" + Array(repeating: "good", count: 90).joined(separator: " ") + "\tpositive\nbad\tnegative\n",
            "long.tsv", in: folder)
        return try runCommand(TestEnvironment.bertslim,
                              ["finetune", "--model", path("model"), "--train", long, "--dev", path("dev.tsv"),
                               "--out", out ?? path("out-\(UUID().uuidString.prefix(6))"), "--epochs", "1"] + extra, check: false)
    }

    /// `--max-length 1000` on a 512-position model used to trap in BertModel (rc 132).
    @Test func maxLengthAboveThePositionsIsRefusedBeforeTraining() throws {
        let result = try finetune(["--max-length", "100"])
        #expect(!result.crashed)
        #expect(result.status == 1)
        #expect(result.output.isEmpty, "trained before refusing: \(result.output)")
        #expect(result.errors.hasSuffix("--max-length 100 is more than the 64 positions (max_position_embeddings) of the model\n"),
                "\(result.errors)")
    }

    /// An unwritable --out used to fail with NSCocoaErrorDomain Code=512 after all the training.
    @Test func anUnwritableOutIsFoundBeforeTraining() throws {
        let folder = try Self.workspace.get()
        let file = try RecipeFixtures.write("not a folder", "a-file", in: folder)
        let result = try finetune([], out: file + "/model")
        #expect(result.status == 1)
        #expect(result.output.isEmpty, "trained before refusing: \(result.output)")
        #expect(result.errors == "Error: --out \(file)/model: cannot create the folder: Not a directory\n")
    }
}
