internal import Foundation

/// TSV or CSV: a header row, then one example per record.
func readDelimited(_ bytes: UnsafeBufferPointer<UInt8>, separator: UInt8, quoting: Bool,
                   columns: ColumnMapping, file: String) throws -> [RawExample] {
    let records = try parseDelimited(bytes, separator: separator, quoting: quoting, file: file)
    guard let header = records.first else { throw DataError.emptyFile(file: file) }
    guard records.count > 1 else { throw DataError.noExamples(file: file) }

    func position(of column: Column) throws -> Int {
        switch column {
        case let .name(name):
            let matches = header.fields.indices.filter { header.fields[$0] == name }
            if matches.count > 1 {
                throw DataError.duplicateColumn(file: file, line: header.line, column: column.description, positions: matches)
            }
            if let index = matches.first { return index }
        case let .index(index):
            if header.fields.indices.contains(index) { return index }
        }
        // The header's own text is not shown: the file may be anything (a symlink to a secret).
        let count = header.fields.count
        throw DataError.columnNotFound(file: file, line: header.line, column: column.description,
                                       among: "the header's \(count) column\(count == 1 ? "" : "s")")
    }
    let text = try position(of: columns.text)
    let pair = try columns.textPair.map(position)
    let label = try columns.label.map(position)

    return try records.dropFirst().map { record in
        guard record.fields.count == header.fields.count else {
            throw DataError.wrongColumnCount(file: file, line: record.line, expected: header.fields.count, found: record.fields.count)
        }
        return try makeExample(line: record.line, text: record.fields[text], pair: pair.map { record.fields[$0] },
                               label: label.map { record.fields[$0] }, columns: columns, file: file)
    }
}

/// JSON Lines: each non-blank line an object (columns by key) or an array (by index).
func readJSONLines(_ bytes: UnsafeBufferPointer<UInt8>, columns: ColumnMapping, file: String) throws -> [RawExample] {
    var examples: [RawExample] = []
    var sawContent = false
    var start = 0
    var line = 0
    let decoder = JSONDecoder()
    while start < bytes.count {
        line += 1
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let body = UnsafeBufferPointer(rebasing: bytes[start..<end])
        start = end + 1
        guard body.contains(where: { $0 != 32 && $0 != 9 && $0 != 13 }) else { continue }
        sawContent = true
        let value = try? decoder.decode(JSONValue.self, from: Data(body))
        switch value {
        case .object?, .array?: break
        default: throw DataError.invalidJSON(file: file, line: line)
        }

        func field(_ column: Column, _ role: String, allowScalars: Bool) throws -> String {
            var found: JSONValue?
            var among = ""
            switch (value, column) {
            case let (.object(object)?, .name(key)):
                found = object[key]
                among = "the object's \(object.count) key\(object.count == 1 ? "" : "s")"
            case let (.array(array)?, .index(index)):
                found = array.indices.contains(index) ? array[index] : nil
                among = "the array's \(array.count) item\(array.count == 1 ? "" : "s")"
            case (.object?, .index):
                among = "an object (a column number needs an array per line)"
            default:
                among = "an array (a column name needs an object per line)"
            }
            switch found {
            case let .string(string)?:
                return string
            case let .integer(number)? where allowScalars:
                return String(number)
            case let .number(number)? where allowScalars:
                return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            case let .bool(flag)? where allowScalars:
                return String(flag)
            case nil:
                throw DataError.columnNotFound(file: file, line: line, column: column.description, among: among)
            case let other?:
                throw DataError.wrongType(file: file, line: line, column: "\(role) (column \(column))",
                                          expected: allowScalars ? "a string, number or boolean" : "a string",
                                          found: other.kind)
            }
        }
        examples.append(try makeExample(line: line, text: field(columns.text, "text", allowScalars: false),
                                        pair: columns.textPair.map { try field($0, "text pair", allowScalars: false) },
                                        label: columns.label.map { try field($0, "label", allowScalars: true) },
                                        columns: columns, file: file))
    }
    guard sawContent else { throw DataError.emptyFile(file: file) }
    return examples
}
