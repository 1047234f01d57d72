internal import Foundation

/// One tensor described by a safetensors header, after validation.
public struct SafetensorsEntry: Equatable, Sendable {
    /// The tensor's name (Hugging Face style, `encoder.layer.0.attention.self.query.weight`).
    public let name: String
    /// How its elements are stored.
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Byte range inside the data section (which starts after the header).
    public let byteRange: Range<Int>

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// The parsed and checked header of a safetensors file.
///
/// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus an optional
/// `"__metadata__"` object of strings), then the data section. Every number is checked
/// here, before any tensor byte is touched, so a hostile or truncated file is an error
/// rather than an out-of-bounds read.
struct SafetensorsHeader {
    /// The largest header accepted; the reference implementation uses the same bound, and
    /// real headers are a few megabytes at most.
    static let maximumLength = 100_000_000

    /// Entries in data order.
    let entries: [SafetensorsEntry]
    /// The `__metadata__` map (empty when absent).
    let metadata: [String: String]
    /// Offset of the data section from the start of the file.
    let dataStart: Int

    /// Validates the whole file image (`bytes`) and returns its header.
    init(file bytes: UnsafeRawBufferPointer, path: String) throws {
        func headerError(_ reason: String) -> SafetensorsError { .invalidHeader(path: path, reason: reason) }
        guard bytes.count >= 8 else {
            throw headerError("the file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(Self.maximumLength) else {
            throw headerError("header length \(declared) exceeds the limit of \(Self.maximumLength) bytes")
        }
        let length = Int(declared)
        guard length <= bytes.count - 8 else {
            throw headerError("header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        guard length >= 2 else { throw headerError("header length \(length) cannot hold a JSON object") }
        dataStart = 8 + length
        let json = Data(bytes[8..<dataStart])
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw headerError("the header is not valid JSON: \(Self.syntaxError(in: json))")
        }
        guard case .object(let fields) = root else {
            throw headerError("the header is \(root.kind), not a JSON object")
        }
        metadata = try Self.metadata(fields["__metadata__"], path: path)
        let dataLength = bytes.count - dataStart
        var parsed: [SafetensorsEntry] = []
        parsed.reserveCapacity(fields.count)
        for (name, field) in fields where name != "__metadata__" {
            parsed.append(try Self.entry(name: name, field, dataLength: dataLength, path: path))
        }
        entries = try Self.tile(parsed, dataLength: dataLength, path: path)
    }

    private static func metadata(_ field: JSONValue?, path: String) throws -> [String: String] {
        guard let field else { return [:] }
        guard case .object(let pairs) = field else {
            throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ is \(field.kind), not an object of strings")
        }
        var result: [String: String] = [:]
        for (key, value) in pairs {
            guard case .string(let text) = value else {
                throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__['\(key)'] is \(value.kind), not a string")
            }
            result[key] = text
        }
        return result
    }

    private static func entry(name: String, _ field: JSONValue, dataLength: Int, path: String) throws -> SafetensorsEntry {
        func fail(_ reason: String) -> SafetensorsError { .invalidTensor(path: path, tensor: name, reason: reason) }
        guard case .object(let info) = field else { throw fail("the entry is \(field.kind), not an object") }
        guard case .string(let dtypeName)? = info["dtype"] else { throw fail("'dtype' is missing or not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail("unknown or unsupported dtype '\(dtypeName)' (supported: \(known))")
        }
        guard let shape = info["shape"]?.naturals else {
            throw fail("'shape' is missing or not an array of non-negative integers")
        }
        guard let offsets = info["data_offsets"]?.naturals, offsets.count == 2 else {
            throw fail("'data_offsets' is missing or not two non-negative integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw fail("data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= dataLength else {
            throw fail("data_offsets [\(begin), \(end)] run past the data section (\(dataLength) bytes)")
        }
        var bytes = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            bytes = product
        }
        guard bytes == end - begin else {
            throw fail("shape \(shape) of \(dtypeName) needs \(bytes) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Sorts entries by offset and checks that they cover the data section exactly once:
    /// no overlap (two tensors sharing bytes), no gap and no trailing bytes (the format
    /// forbids unindexed bytes, which could hide a second file inside the first).
    private static func tile(_ entries: [SafetensorsEntry], dataLength: Int, path: String) throws -> [SafetensorsEntry] {
        let ordered = entries.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
        }
        var covered = 0
        var previous: SafetensorsEntry?
        for entry in ordered {
            let range = entry.byteRange
            if range.lowerBound < covered, let previous {
                throw SafetensorsError.invalidTensor(
                    path: path, tensor: entry.name,
                    reason: "data_offsets [\(range.lowerBound), \(range.upperBound)] overlap tensor '\(previous.name)' "
                        + "[\(previous.byteRange.lowerBound), \(previous.byteRange.upperBound)]")
            }
            if range.lowerBound > covered {
                throw SafetensorsError.invalidTensor(
                    path: path, tensor: entry.name,
                    reason: "data_offsets [\(range.lowerBound), \(range.upperBound)] leave bytes \(covered)..<\(range.lowerBound) unused")
            }
            covered = range.upperBound
            previous = entry
        }
        guard covered == dataLength else {
            throw SafetensorsError.invalidHeader(
                path: path, reason: "the data section has \(dataLength - covered) bytes after the last tensor")
        }
        return ordered
    }

    /// A short reason for a JSON syntax error. JSONDecoder only says "not valid JSON";
    /// JSONSerialization says where, so it is asked again on this (rare) path.
    private static func syntaxError(in json: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            if let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return reason }
        }
        return "malformed"
    }
}
