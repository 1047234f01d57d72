import BertSlimSDK
import Foundation
import Testing

/// A malformed file and what the reader must say about it.
struct CorruptFile: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    /// Text the message must contain besides the file path.
    let reason: String
    /// The tensor the message must name, when one is at fault.
    let tensor: String?

    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], _ reason: String, tensor: String? = nil) {
        (self.name, self.bytes, self.reason, self.tensor) = (name, bytes, reason, tensor)
    }

    static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ offsets: [Int]) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    static let valid = rawSafetensors(header: "{\(entry("w", "F32", [2], [0, 8]))}", data: Array(repeating: 0, count: 8))

    static let all: [CorruptFile] = [
        CorruptFile("empty file", [], "too short"),
        CorruptFile("truncated length prefix", [0x10, 0, 0, 0, 0], "too short"),
        CorruptFile("header cut off", Array(valid.prefix(30)), "runs past the end of the file"),
        CorruptFile("header length past EOF", rawSafetensors(header: "{}", declaredLength: 4096), "runs past the end of the file"),
        CorruptFile("huge header length", rawSafetensors(header: "{}", declaredLength: UInt64.max), "exceeds the limit"),
        CorruptFile("header length too small", rawSafetensors(header: "{", declaredLength: 1), "cannot hold a JSON object"),
        CorruptFile("bad JSON", rawSafetensors(header: "{\"w\":{\"dtype\":\"F32\",", data: []), "not valid JSON"),
        CorruptFile("not UTF-8", rawSafetensors(header: "{\"\u{FF}\":1}").map { $0 == 0xc3 ? 0xff : $0 }, "not valid JSON"),
        CorruptFile("header is an array", rawSafetensors(header: "[1, 2]"), "not a JSON object"),
        CorruptFile("entry is a number", rawSafetensors(header: "{\"w\":5}"), "not an object", tensor: "w"),
        CorruptFile("entry is an array", rawSafetensors(header: "{\"w\":[0,4]}"), "not an object", tensor: "w"),
        CorruptFile("metadata not strings", rawSafetensors(header: "{\"__metadata__\":{\"epoch\":3}}"),
                    "__metadata__['epoch'] is a number"),
        CorruptFile("metadata not an object", rawSafetensors(header: "{\"__metadata__\":\"pt\"}"), "__metadata__ is a string"),
        CorruptFile("unknown dtype", rawSafetensors(header: "{\(entry("w", "C64", [1], [0, 8]))}", data: .init(repeating: 0, count: 8)),
                    "unknown or unsupported dtype 'C64'", tensor: "w"),
        CorruptFile("dtype missing", rawSafetensors(header: "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
                    "'dtype' is missing", tensor: "w"),
        CorruptFile("fractional shape", rawSafetensors(header: "{\(entry("w", "F32", [], [0, 4]).replacingOccurrences(of: "[]", with: "[1.5]"))}",
                                                       data: [0, 0, 0, 0]), "'shape'", tensor: "w"),
        CorruptFile("negative offset", rawSafetensors(header: "{\(entry("w", "U8", [1], [-1, 0]))}"), "'data_offsets'", tensor: "w"),
        CorruptFile("three offsets", rawSafetensors(header: "{\(entry("w", "U8", [1], [0, 1, 2]))}", data: [0, 0]),
                    "'data_offsets'", tensor: "w"),
        CorruptFile("offsets reversed", rawSafetensors(header: "{\(entry("w", "U8", [1], [4, 3]))}", data: [0, 0, 0, 0]),
                    "end before they begin", tensor: "w"),
        CorruptFile("size mismatch", rawSafetensors(header: "{\(entry("w", "F32", [2, 3], [0, 20]))}", data: .init(repeating: 0, count: 20)),
                    "needs 24 bytes", tensor: "w"),
        CorruptFile("shape overflows", rawSafetensors(header: "{\(entry("w", "F32", [1 << 40, 1 << 40], [0, 8]))}", data: .init(repeating: 0, count: 8)),
                    "too large", tensor: "w"),
        CorruptFile("offset past the data", rawSafetensors(header: "{\(entry("w", "F32", [4], [0, 16]))}", data: .init(repeating: 0, count: 8)),
                    "run past the data section (8 bytes)", tensor: "w"),
        CorruptFile("overlapping ranges",
                    rawSafetensors(header: "{\(entry("a", "F32", [2], [0, 8])),\(entry("b", "F32", [2], [4, 12]))}", data: .init(repeating: 0, count: 12)),
                    "overlap tensor 'a'", tensor: "b"),
        CorruptFile("gap between tensors",
                    rawSafetensors(header: "{\(entry("a", "F32", [1], [0, 4])),\(entry("b", "F32", [1], [8, 12]))}", data: .init(repeating: 0, count: 12)),
                    "leave bytes 4..<8 unused", tensor: "b"),
        CorruptFile("trailing bytes", rawSafetensors(header: "{\(entry("w", "F32", [1], [0, 4]))}", data: .init(repeating: 0, count: 9)),
                    "5 bytes after the last tensor"),
    ]
}

@Suite struct SafetensorsCorruptionTests {
    @Test func theValidBaselineLoads() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("valid.safetensors")
        try writeBytes(CorruptFile.valid, to: path)
        #expect(try SafetensorsFile(path: path).tensor(named: "w").scalars == [0, 0])
    }

    @Test(arguments: CorruptFile.all)
    func corruptFileIsRejectedWithItsName(_ corrupt: CorruptFile) throws {
        let folder = try TemporaryFolder()
        let path = folder.file("bad-\(corrupt.name.replacingOccurrences(of: " ", with: "-")).safetensors")
        try writeBytes(corrupt.bytes, to: path)
        do {
            _ = try SafetensorsFile(path: path)
            Issue.record("\(corrupt.name): the file was accepted")
        } catch let error as SafetensorsError {
            let message = error.description
            #expect(error.path == path)
            #expect(message.hasPrefix(path + ": "), "\(message)")
            #expect(message.contains(corrupt.reason), "\(message)")
            if let tensor = corrupt.tensor {
                #expect(message.contains("tensor '\(tensor)'"), "\(message)")
            }
        }
    }

    @Test func missingFileNamesThePath() {
        let path = "/nonexistent/bertslim/model.safetensors"
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
        do { _ = try SafetensorsFile(path: path) } catch {
            #expect("\(error)".hasPrefix(path + ": cannot open"))
        }
    }

    @Test func aFolderIsNotAFile() throws {
        let folder = try TemporaryFolder()
        do {
            _ = try SafetensorsFile(path: folder.path)
            Issue.record("a folder was accepted")
        } catch {
            #expect("\(error)" == "\(folder.path): not a regular file (it is a folder)")
        }
    }

    /// A FIFO nobody writes to used to block `open` forever.
    @Test func aFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("model.safetensors")
        #expect(mkfifo(path, 0o600) == 0)
        let outcome = try finishing(within: 10, unblock: { releaseFIFOReader(path) }) {
            do {
                _ = try SafetensorsFile(path: path)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(outcome == "\(path): not a regular file (it is a FIFO)")
    }

    @Test func aCharacterDeviceIsRefused() {
        #expect(throws: SafetensorsError.io(path: "/dev/zero", reason: "not a regular file (it is a character device)")) {
            try SafetensorsFile(path: "/dev/zero")
        }
    }
}
