import BertSlimHost
import Foundation

/// The inputs of `predict --input FILE`: one per line, a tab separating a text from its pair.
enum PredictInput {
    /// The most bytes read from an input file or pipe.
    static let limit = 1 << 30

    /// Reads the lines of `path`, a regular file or a pipe (`--input <(…)`).
    ///
    /// Lines end at `\n`, with an optional `\r` before it; a leading UTF-8 byte order mark
    /// is skipped; empty lines are skipped.
    /// - Throws: ``CommandError`` naming the file (and the line, for invalid UTF-8).
    static func lines(of path: String) throws -> [(text: String, pair: String?)] {
        let bytes = try read(path)
        var inputs: [(text: String, pair: String?)] = []
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var number = 0
        while start < bytes.count {
            number += 1
            var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let next = end + 1
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            defer { start = next }
            guard end > start else { continue }
            guard let line = String(validating: bytes[start..<end], as: UTF8.self) else {
                throw CommandError("\(path):\(number): not valid UTF-8")
            }
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            inputs.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : nil))
        }
        if inputs.isEmpty { throw CommandError("\(path): no inputs (the file is empty)") }
        return inputs
    }

    /// The bytes of a regular file, or of a pipe until its writer closes it; devices
    /// (`/dev/zero` never ends) and folders are refused.
    private static func read(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CommandError("\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFIFO || type == S_IFSOCK {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw CommandError("\(path): cannot read: \(String(cString: strerror(errno)))")
            }
            var bytes: [UInt8] = []
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                bytes += chunk
                if bytes.count > limit { throw CommandError("\(path): more than \(limit) bytes") }
            }
            return bytes
        }
        do {
            return try RegularFile.contents(of: path, limit: limit)
        } catch FileReadError.notRegular(_, let kind) {
            throw CommandError("\(path): not a regular file or a pipe (it is \(kind))")
        } catch let error as FileReadError {
            throw CommandError("\(path): cannot read: \(error.reason)")
        }
    }
}
