internal import Foundation

/// One example of a text-classification dataset.
public struct TextExample: Sendable, Equatable {
    /// The text (first segment).
    public var text: String
    /// The second segment, for sentence-pair tasks.
    public var pair: String?
    /// The label as written in the file.
    public var label: String?
    /// The label's id in the dataset's `LabelVocabulary`.
    public var labelID: Int32?
    /// The line of the file the example starts on.
    public var line: Int

    /// An example from its parts.
    public init(text: String, pair: String? = nil, label: String? = nil, labelID: Int32? = nil, line: Int = 0) {
        self.text = text
        self.pair = pair
        self.label = label
        self.labelID = labelID
        self.line = line
    }
}

/// The examples of one data file (TSV, CSV or JSON Lines), with labels resolved to ids.
public struct TextDataset: Sendable {
    /// The file read.
    public let file: String
    /// The examples, in file order.
    public let examples: [TextExample]
    /// The labels (given, or collected from the file); nil when no label column is mapped.
    public let labels: LabelVocabulary?

    /// Reads a data file.
    /// - Parameters:
    ///   - path: the file.
    ///   - format: TSV, CSV or JSON Lines; by default from the file's extension.
    ///   - columns: which columns hold the text, the optional text pair and the optional label.
    ///   - labels: the label vocabulary to use (so a dev set gets the train set's ids); by
    ///     default the sorted distinct labels of this file.
    /// - Throws: `DataError` naming the file and line: unreadable (or not a regular file),
    ///   empty, no examples, invalid UTF-8, wrong column count, missing or repeated column,
    ///   empty field, unknown label,
    ///   bad quoting (CSV), invalid JSON or a value of the wrong type (JSON Lines).
    public init(path: String, format: DataFormat? = nil, columns: ColumnMapping = ColumnMapping(),
                labels: LabelVocabulary? = nil) throws {
        guard let format = format ?? DataFormat(path: path) else { throw DataError.unknownFormat(file: path) }
        let data: [UInt8]
        do { data = try RegularFile.contents(of: path) } catch let error as FileReadError {
            throw DataError.unreadable(file: path, reason: error.reason)
        }
        let rows = try data.withUnsafeBufferPointer { whole -> [RawExample] in
            var bytes = whole
            // A UTF-8 byte order mark (as some editors write) is not part of the first column's name.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeBufferPointer(rebasing: bytes.dropFirst(3)) }
            try validateUTF8(bytes, file: path)
            switch format {
            case .tsv: return try readDelimited(bytes, separator: UInt8(ascii: "\t"), quoting: false, columns: columns, file: path)
            case .csv: return try readDelimited(bytes, separator: UInt8(ascii: ","), quoting: true, columns: columns, file: path)
            case .jsonl: return try readJSONLines(bytes, columns: columns, file: path)
            }
        }
        let vocabulary = columns.label == nil ? nil : labels ?? LabelVocabulary(collecting: rows.compactMap(\.label))
        examples = try rows.map { row in
            var labelID: Int32?
            if let label = row.label, let vocabulary {
                guard let id = vocabulary.id(for: label) else {
                    throw DataError.unknownLabel(file: path, line: row.line, label: label, known: vocabulary.names)
                }
                labelID = Int32(id)
            }
            return TextExample(text: row.text, pair: row.pair, label: row.label, labelID: labelID, line: row.line)
        }
        file = path
        self.labels = vocabulary
    }

    /// A dataset from examples already in memory.
    public init(examples: [TextExample], labels: LabelVocabulary? = nil, file: String = "<memory>") {
        self.examples = examples
        self.labels = labels
        self.file = file
    }

    /// Number of examples.
    public var count: Int { examples.count }
    /// The texts, in order.
    public var texts: [String] { examples.map(\.text) }
}

/// A row reduced to the mapped columns, before labels become ids.
struct RawExample {
    var line: Int
    var text: String
    var pair: String?
    var label: String?
}

/// Checks one example's fields: text and pair must hold more than whitespace, a label must not be empty.
func makeExample(line: Int, text: String, pair: String?, label: String?, columns: ColumnMapping, file: String) throws -> RawExample {
    if text.allSatisfy(\.isWhitespace) {
        throw DataError.emptyField(file: file, line: line, column: "text (column \(columns.text))")
    }
    if let pair, pair.allSatisfy(\.isWhitespace), let column = columns.textPair {
        throw DataError.emptyField(file: file, line: line, column: "text pair (column \(column))")
    }
    if let label, label.isEmpty, let column = columns.label {
        throw DataError.emptyField(file: file, line: line, column: "label (column \(column))")
    }
    return RawExample(line: line, text: text, pair: pair, label: label)
}
