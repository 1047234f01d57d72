/// A column of a data file, by header name (or JSON key) or by position.
public enum Column: Sendable, Equatable, CustomStringConvertible {
    /// The column whose header (or JSON key) is this name.
    case name(String)
    /// The column at this position, counting from 0 (for JSON Lines: an index into an array).
    case index(Int)

    /// `'name'` or `#index`, as error messages show it.
    public var description: String {
        switch self {
        case let .name(name): return "'\(name)'"
        case let .index(index): return "#\(index)"
        }
    }
}

/// Which columns of a data file hold what.
public struct ColumnMapping: Sendable, Equatable {
    /// The text (first segment).
    public var text: Column
    /// The second segment of sentence-pair tasks, if any.
    public var textPair: Column?
    /// The class label; nil for unlabelled data (distillation transfer sets).
    public var label: Column?

    /// A mapping; by default `text` and `label` by name, no text pair.
    public init(text: Column = .name("text"), textPair: Column? = nil, label: Column? = .name("label")) {
        self.text = text
        self.textPair = textPair
        self.label = label
    }
}

/// The layout of a data file.
public enum DataFormat: String, Sendable, CaseIterable {
    /// Tab-separated values with a header row; fields cannot contain tabs or newlines (no quoting).
    case tsv
    /// Comma-separated values with a header row, quoted as RFC 4180 says (`"a, ""b"""`).
    case csv
    /// JSON Lines: one object per line (columns by key) or one array per line (by index).
    case jsonl

    /// The format a file name's extension implies (`.tsv`/`.tab`, `.csv`, `.jsonl`/`.ndjson`), or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "tsv", "tab": self = .tsv
        case "csv": self = .csv
        case "jsonl", "ndjson": self = .jsonl
        default: return nil
        }
    }
}
