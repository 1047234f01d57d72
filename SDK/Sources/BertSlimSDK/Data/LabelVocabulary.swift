/// The class labels of a task, in id order: label `names[i]` has id `i`.
public struct LabelVocabulary: Sendable, Equatable {
    /// Label names by id.
    public let names: [String]
    private let ids: [String: Int]

    /// Labels in the given order (e.g. from a recipe, so that ids match a trained model).
    /// - Throws: `DataError.duplicateLabel` when a name appears twice.
    public init(_ names: [String]) throws {
        var ids: [String: Int] = [:]
        for (id, name) in names.enumerated() {
            guard ids.updateValue(id, forKey: name) == nil else { throw DataError.duplicateLabel(label: name) }
        }
        self.names = names
        self.ids = ids
    }

    /// The distinct labels of `labels`, sorted, so that the ids do not depend on the order
    /// of the rows (a shuffled copy of a file gives the same ids).
    public init(collecting labels: some Sequence<String>) {
        let names = Set(labels).sorted()
        self.names = names
        self.ids = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }

    /// Number of labels.
    public var count: Int { names.count }

    /// The id of `name`, or nil when it is not a label of this vocabulary.
    public func id(for name: String) -> Int? { ids[name] }
}
