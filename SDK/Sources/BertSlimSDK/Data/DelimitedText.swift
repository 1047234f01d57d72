/// One record of a data file: its fields and the line it starts on (for error messages).
struct Record {
    var line: Int
    var fields: [String]
}

/// Splits TSV or CSV bytes into records. Blank lines are skipped; `\r\n` and `\n` both end a
/// line. With `quoting` (CSV, RFC 4180) a field may be wrapped in double quotes, inside which
/// separators and newlines are literal and `""` is one quote; a quote inside an unquoted
/// field is kept as it is (many real files have them).
/// - Throws: `DataError.unterminatedQuote` or `.malformedQuote` with the line.
func parseDelimited(_ bytes: UnsafeBufferPointer<UInt8>, separator: UInt8, quoting: Bool, file: String) throws -> [Record] {
    let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), quote = UInt8(ascii: "\"")
    var records: [Record] = []
    var i = 0
    var line = 1
    let n = bytes.count

    func atLineEnd(_ j: Int) -> Bool {
        j >= n || bytes[j] == newline || (bytes[j] == carriageReturn && (j + 1 >= n || bytes[j + 1] == newline))
    }
    func skipLineEnd(_ j: inout Int) {
        if j < n && bytes[j] == carriageReturn { j += 1 }
        if j < n && bytes[j] == newline { j += 1; line += 1 }
    }

    while i < n {
        if atLineEnd(i) {
            skipLineEnd(&i)
            continue
        }
        let recordLine = line
        var fields: [String] = []
        while true {
            if quoting && i < n && bytes[i] == quote {
                let openedOn = line
                var field: [UInt8] = []
                i += 1
                while true {
                    guard i < n else { throw DataError.unterminatedQuote(file: file, line: openedOn) }
                    let byte = bytes[i]
                    if byte == quote {
                        if i + 1 < n && bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    if byte == newline { line += 1 }
                    field.append(byte)
                    i += 1
                }
                guard atLineEnd(i) || bytes[i] == separator else { throw DataError.malformedQuote(file: file, line: line) }
                fields.append(String(decoding: field, as: UTF8.self))
            } else {
                let start = i
                while !atLineEnd(i) && bytes[i] != separator { i += 1 }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
            }
            if i < n && bytes[i] == separator {
                i += 1
                continue
            }
            skipLineEnd(&i)
            break
        }
        records.append(Record(line: recordLine, fields: fields))
    }
    return records
}

/// Checks that every line is valid UTF-8, so later steps can decode without checking.
/// Newline bytes never occur inside a multi-byte sequence, so line by line is exact.
/// - Throws: `DataError.invalidUTF8` with the first bad line.
func validateUTF8(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws {
    // Pure ASCII (the common case) needs no decoding.
    if isASCII(bytes) { return }
    var start = 0
    var line = 1
    while start <= bytes.count {
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        if String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) == nil {
            throw DataError.invalidUTF8(file: file, line: line)
        }
        start = end + 1
        line += 1
    }
}
