/// Why a dataset could not be read. Every case names the file, and the line (counting from
/// 1, the header being line 1) where one applies.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The format is neither given nor implied by the file's extension.
    case unknownFormat(file: String)
    /// The file holds nothing (not even a header).
    case emptyFile(file: String)
    /// The file has a header but no examples.
    case noExamples(file: String)
    /// A line is not valid UTF-8.
    case invalidUTF8(file: String, line: Int)
    /// A row has a different number of fields than the header.
    case wrongColumnCount(file: String, line: Int, expected: Int, found: Int)
    /// A mapped column is not in the file (`available` lists what is). No longer raised:
    /// listing the header printed the first line of whatever file was named (see
    /// ``columnNotFound(file:line:column:among:)``); kept for code that matches on it.
    case missingColumn(file: String, line: Int, column: String, available: [String])
    /// A mapped column is not in the file. `among` says what was searched without quoting
    /// it (`the header's 2 columns`): the file may not be a data file at all.
    case columnNotFound(file: String, line: Int, column: String, among: String)
    /// A mapped column's name appears more than once in the header (`positions` from 0).
    case duplicateColumn(file: String, line: Int, column: String, positions: [Int])
    /// A text, text-pair or label field is empty.
    case emptyField(file: String, line: Int, column: String)
    /// A label that the given label vocabulary does not contain.
    case unknownLabel(file: String, line: Int, label: String, known: [String])
    /// A quoted CSV field is never closed.
    case unterminatedQuote(file: String, line: Int)
    /// Something other than a separator follows a closing quote.
    case malformedQuote(file: String, line: Int)
    /// A JSON Lines line that is not a JSON object or array.
    case invalidJSON(file: String, line: Int)
    /// A JSON value of the wrong type (text must be a string, labels strings/numbers/booleans).
    case wrongType(file: String, line: Int, column: String, expected: String, found: String)
    /// A label vocabulary that names a label twice.
    case duplicateLabel(label: String)

    /// The message shown to the user: file, line or key first.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .unknownFormat(file):
            return "\(file): unknown format (expected a .tsv, .csv or .jsonl file, or a format given explicitly)"
        case let .emptyFile(file):
            return "\(file): empty file"
        case let .noExamples(file):
            return "\(file): no examples after the header"
        case let .invalidUTF8(file, line):
            return "\(file):\(line): invalid UTF-8"
        case let .wrongColumnCount(file, line, expected, found):
            return "\(file):\(line): expected \(expected) fields (as in the header), found \(found)"
        case let .missingColumn(file, line, column, available):
            return "\(file):\(line): no column \(column) (columns: \(available.joined(separator: ", ")))"
        case let .columnNotFound(file, line, column, among):
            return "\(file):\(line): no column \(column) in \(among)"
        case let .duplicateColumn(file, line, column, positions):
            let times = positions.count == 2 ? "twice" : "\(positions.count) times"
            let places = positions.map { "#\($0)" }
            return "\(file):\(line): column \(column) appears \(times) in the header "
                + "(\(places.dropLast().joined(separator: ", ")) and \(places.last ?? ""))"
        case let .emptyField(file, line, column):
            return "\(file):\(line): empty \(column)"
        case let .unknownLabel(file, line, label, known):
            let list = known.count > 12 ? known.prefix(12).joined(separator: ", ") + ", … (\(known.count) in all)"
                : known.joined(separator: ", ")
            return "\(file):\(line): unknown label '\(shortened(label))' (known: \(list))"
        case let .unterminatedQuote(file, line):
            return "\(file):\(line): quoted field is never closed"
        case let .malformedQuote(file, line):
            return "\(file):\(line): a closing quote must be followed by a separator or the end of the line"
        case let .invalidJSON(file, line):
            return "\(file):\(line): not a JSON object or array"
        case let .wrongType(file, line, column, expected, found):
            return "\(file):\(line): \(column) must be \(expected), found \(found)"
        case let .duplicateLabel(label):
            return "label '\(label)' is listed twice"
        }
    }
}

/// A value from a data file as a message shows it: at most 40 characters, control
/// characters escaped, so one odd field cannot flood or garble the terminal.
func shortened(_ value: String) -> String {
    let cut = value.count > 40 ? value.prefix(40) + "…" : Substring(value)
    return cut.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined()
}
