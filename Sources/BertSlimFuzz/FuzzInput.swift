/// How one fuzz input holds several files: the bytes before the first marker are the target's
/// main file; each line `#file: NAME` (after a newline) starts the file NAME. A marker whose
/// name is not 1–64 of `[A-Za-z0-9._-]` is ordinary data.
///
///     {"hidden_size": 32, ...}
///     #file: model.safetensors
///     <bytes>
enum FuzzInput {
    static let marker = Array("\n#file: ".utf8)

    /// The parts of `data`, the first named `first`.
    static func files(_ data: [UInt8], first: String) -> [(name: String, bytes: [UInt8])] {
        var parts: [(String, [UInt8])] = []
        var name = first, start = 0, index = 0
        while index + marker.count <= data.count {
            guard data[index] == marker[0], data[index..<index + marker.count].elementsEqual(marker),
                  let end = data[(index + marker.count)...].firstIndex(of: UInt8(ascii: "\n")),
                  let next = fileName(data[(index + marker.count)..<end]) else {
                index += 1
                continue
            }
            parts.append((name, Array(data[start..<index])))
            (name, start, index) = (next, end + 1, end + 1)
        }
        parts.append((name, Array(data[start...])))
        return parts
    }

    private static func fileName(_ bytes: ArraySlice<UInt8>) -> String? {
        guard (1...64).contains(bytes.count), bytes.allSatisfy({ byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "._-".utf8.contains(byte)
        }), bytes.first != UInt8(ascii: ".") else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
