import BertSlimSDK
import Foundation
import Testing

@Suite struct DataReaderTests {
    @Test func tsvByHeaderName() throws {
        try withTemporaryDirectory { dir in
            let path = try write("id\ttext\tlabel\n1\tgood film\tpositive\n\n2\tdull \"film\"\tnegative\r\n", to: "a.tsv", in: dir)
            let data = try TextDataset(path: path)
            #expect(data.examples == [
                TextExample(text: "good film", label: "positive", labelID: 1, line: 2),
                TextExample(text: "dull \"film\"", label: "negative", labelID: 0, line: 4),
            ])
            #expect(data.labels?.names == ["negative", "positive"], "collected labels are sorted")
        }
    }

    @Test func csvQuotingFollowsRFC4180() throws {
        try withTemporaryDirectory { dir in
            let csv = "label,premise,hypothesis\r\n" +
                "yes,\"Commas, \"\"quotes\"\" and\na newline\",plain\r\n" +
                "no,unquoted 5\" screen,\"\"\n"
            let path = try write(csv, to: "pairs.csv", in: dir)
            let columns = ColumnMapping(text: .index(1), textPair: .name("hypothesis"), label: .index(0))
            let error = #expect(throws: DataError.self) { try TextDataset(path: path, columns: columns) }
            #expect(error == .emptyField(file: path, line: 4, column: "text pair (column 'hypothesis')"),
                    "the third record starts on line 4, after the two-line field")
            let fixed = try write(csv.replacingOccurrences(of: ",\"\"\n", with: ",\"x\"\n"), to: "fixed.csv", in: dir)
            let data = try TextDataset(path: fixed, columns: columns, labels: LabelVocabulary(["no", "yes"]))
            #expect(data.examples == [
                TextExample(text: "Commas, \"quotes\" and\na newline", pair: "plain", label: "yes", labelID: 1, line: 2),
                TextExample(text: "unquoted 5\" screen", pair: "x", label: "no", labelID: 0, line: 4),
            ])
        }
    }

    @Test func jsonLinesByKeyOrIndex() throws {
        try withTemporaryDirectory { dir in
            let objects = try write("{\"sentence\": \"fine\", \"label\": 1}\n\n{\"sentence\": \"bad\", \"label\": 0, \"extra\": [1]}\n",
                                    to: "a.jsonl", in: dir)
            let data = try TextDataset(path: objects, columns: ColumnMapping(text: .name("sentence")))
            #expect(data.examples.map(\.label) == ["1", "0"])
            #expect(data.examples.map(\.labelID) == [1, 0])
            #expect(data.examples.map(\.line) == [1, 3])
            let arrays = try write("[\"fine\", true]\n[\"bad\", false]\n", to: "b.jsonl", in: dir)
            let byIndex = try TextDataset(path: arrays, columns: ColumnMapping(text: .index(0), label: .index(1)))
            #expect(byIndex.labels?.names == ["false", "true"])
        }
    }

    @Test func unlabelledData() throws {
        try withTemporaryDirectory { dir in
            let path = try write("text\nsome text\n", to: "u.tsv", in: dir)
            let data = try TextDataset(path: path, columns: ColumnMapping(label: nil))
            #expect(data.labels == nil)
            #expect(data.examples == [TextExample(text: "some text", line: 2)])
        }
    }

    /// (file name, contents, columns, message after "<path>").
    static let badFiles: [(String, String, ColumnMapping, String)] = [
        ("a.tsv", "", ColumnMapping(), ": empty file"),
        ("a.tsv", "\n\n", ColumnMapping(), ": empty file"),
        ("a.csv", "", ColumnMapping(), ": empty file"),
        ("a.jsonl", "\n", ColumnMapping(), ": empty file"),
        ("a.tsv", "text\tlabel\n", ColumnMapping(), ": no examples after the header"),
        ("a.tsv", "text\tlabel\nfine\tpositive\nbad\tnegative\textra\n", ColumnMapping(),
         ":3: expected 2 fields (as in the header), found 3"),
        ("a.csv", "text,label\nfine\n", ColumnMapping(), ":2: expected 2 fields (as in the header), found 1"),
        ("a.tsv", "sentence\tlabel\nfine\tpositive\n", ColumnMapping(), ":1: no column 'text' in the header's 2 columns"),
        ("a.tsv", "text\tlabel\nfine\tpositive\n", ColumnMapping(textPair: .index(2)), ":1: no column #2 in the header's 2 columns"),
        ("a.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"txt\": \"b\", \"label\": 0}\n", ColumnMapping(),
         ":2: no column 'text' in the object's 2 keys"),
        ("a.jsonl", "[\"a\"]\n", ColumnMapping(text: .index(0), label: .index(1)), ":1: no column #1 in the array's 1 item"),
        ("a.tsv", "text\tlabel\tlabel\nfine\tpositive\tx\n", ColumnMapping(), ":1: column 'label' appears twice in the header (#1 and #2)"),
        ("a.tsv", "text\tlabel\nfine\tpositive\n \tnegative\n", ColumnMapping(), ":3: empty text (column 'text')"),
        ("a.tsv", "text\tlabel\nfine\t\n", ColumnMapping(), ":2: empty label (column 'label')"),
        ("a.csv", "text,label\n\"never closed,positive\nmore\n", ColumnMapping(), ":2: quoted field is never closed"),
        ("a.csv", "text,label\n\"closed\"early,positive\n", ColumnMapping(),
         ":2: a closing quote must be followed by a separator or the end of the line"),
        ("a.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": \n", ColumnMapping(), ":2: not a JSON object or array"),
        ("a.jsonl", "\"just a string\"\n", ColumnMapping(), ":1: not a JSON object or array"),
        ("a.jsonl", "{\"text\": 5, \"label\": 1}\n", ColumnMapping(), ":1: text (column 'text') must be a string, found a number"),
        ("a.jsonl", "{\"text\": \"a\", \"label\": [1]}\n", ColumnMapping(),
         ":1: label (column 'label') must be a string, number or boolean, found an array"),
        ("a.txt", "text\tlabel\n", ColumnMapping(),
         ": unknown format (expected a .tsv, .csv or .jsonl file, or a format given explicitly)"),
    ]

    @Test(arguments: badFiles)
    func badFileNamesFileAndLine(name: String, contents: String, columns: ColumnMapping, message: String) throws {
        try withTemporaryDirectory { dir in
            let path = try write(contents, to: name, in: dir)
            let error = #expect(throws: DataError.self) { try TextDataset(path: path, columns: columns) }
            #expect(error?.description == path + message)
        }
    }

    /// A header starting with a UTF-8 byte order mark used to read as a column "\u{FEFF}text".
    @Test(arguments: ["a.tsv", "a.csv", "a.jsonl"])
    func aByteOrderMarkIsSkipped(name: String) throws {
        let body = name.hasSuffix(".jsonl") ? "{\"text\": \"fine\", \"label\": \"positive\"}\n"
            : name.hasSuffix(".csv") ? "text,label\nfine,positive\n" : "text\tlabel\nfine\tpositive\n"
        try withTemporaryDirectory { dir in
            let path = try write([0xEF, 0xBB, 0xBF] + Array(body.utf8), to: name, in: dir)
            #expect(try TextDataset(path: path).examples == [TextExample(text: "fine", label: "positive", labelID: 0, line: name.hasSuffix(".jsonl") ? 1 : 2)])
        }
    }

    /// A data file that is something else (here a symlink to a secret) must not have its
    /// content printed in the error.
    @Test(arguments: ["train.tsv", "train.csv", "train.jsonl"])
    func errorsNeverShowTheFilesContent(name: String) throws {
        try withTemporaryDirectory { dir in
            let secret = try write("root:x:0:0:hunter2-password\tsecond-field\n{\"token\": \"hunter2\"}\n", to: "secret", in: dir)
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: secret)
            let error = #expect(throws: DataError.self) { try TextDataset(path: dir + "/" + name) }
            let message = error?.description ?? ""
            #expect(message.hasPrefix(dir + "/" + name + ":"), "\(message)")
            #expect(!message.contains("hunter2") && !message.contains("root") && !message.contains("second-field"), "\(message)")
        }
    }

    @Test func invalidUTF8NamesTheLine() throws {
        try withTemporaryDirectory { dir in
            let path = try write(Array("text\tlabel\nfine\tpositive\n".utf8) + [0x62, 0xC3, 0x28, 0x09] + Array("negative\n".utf8),
                                 to: "a.tsv", in: dir)
            let error = #expect(throws: DataError.self) { try TextDataset(path: path) }
            #expect(error == .invalidUTF8(file: path, line: 3))
        }
    }

    @Test func unknownLabelNamesLineAndKnownLabels() throws {
        try withTemporaryDirectory { dir in
            let path = try write("text\tlabel\nfine\tpositive\nmeh\tneutral\n", to: "a.tsv", in: dir)
            let labels = try LabelVocabulary(["negative", "positive"])
            let error = #expect(throws: DataError.self) { try TextDataset(path: path, labels: labels) }
            #expect(error?.description == "\(path):3: unknown label 'neutral' (known: negative, positive)")
        }
    }

    @Test func unreadableFileAndDuplicateLabels() throws {
        let error = #expect(throws: DataError.self) { try TextDataset(path: "/nonexistent/train.tsv") }
        #expect(error?.description.hasPrefix("/nonexistent/train.tsv: cannot read") == true)
        #expect(throws: DataError.duplicateLabel(label: "a")) { try LabelVocabulary(["a", "b", "a"]) }
    }

    @Test func movieReviewTrainingSet() throws {
        let path = assetsPath + "/data/mr/train.tsv"
        let data = try TextDataset(path: path)
        #expect(data.count == 8456)
        #expect(data.labels?.names == ["negative", "positive"])
        #expect(data.examples.allSatisfy { $0.labelID != nil && !$0.text.isEmpty })
    }
}
