import Foundation
import Testing

/// `bertslim predict` on inputs that used to be misread.
@Suite("predict command")
struct PredictCommandTests {
    static let workspace = Result { try RecipeFixtures.workspace("predict", train: 20, dev: 8, test: 8) }

    func predict(_ arguments: [String]) throws -> CommandResult {
        let model = try Self.workspace.get().appendingPathComponent("model").path
        return try runCommand(TestEnvironment.bertslim, ["predict", "--model", model] + arguments, check: false)
    }

    /// Swift's String treats "\r\n" as one Character, so splitting on "\n" never split a
    /// CRLF file: two inputs came out as one object.
    @Test func crlfLinesAreSeparateInputs() throws {
        let input = try RecipeFixtures.write("good movie\r\nbad movie\r\n\r\n", "crlf.txt", in: try Self.workspace.get())
        let result = try predict(["--input", input, "--json"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.split(separator: "\n").count == 2, "\(result.output)")
    }

    @Test func aByteOrderMarkAndATabPairAreRead() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("good movie\tbad movie\n".utf8)
        let input = try Self.workspace.get().appendingPathComponent("bom.txt")
        try Data(bytes).write(to: input)
        let withBOM = try predict(["--input", input.path, "--json", "--hidden-states"])
        let plain = try predict(["--text", "good movie", "--pair", "bad movie", "--json", "--hidden-states"])
        #expect(withBOM.status == 0 && withBOM.output == plain.output)
    }

    @Test(arguments: ["", "   ", "\t"])
    func anEmptyTextIsRefused(text: String) throws {
        let result = try predict(["--text", text])
        #expect(result.status != 0 && !result.crashed)
        #expect(result.output.isEmpty)
        #expect(result.errors.hasPrefix("Error: --text is empty"), "\(result.errors)")
    }

    @Test func anInputThatIsADeviceIsRefusedInOneLine() throws {
        let result = try predict(["--input", "/dev/zero"])
        #expect(result.status == 1)
        #expect(result.errors == "Error: /dev/zero: not a regular file or a pipe (it is a character device)\n")
    }
}
