import Foundation

/// A model with the run and point it belongs to and what was measured on it.
public struct ModelEntry: Sendable {
    /// The sweep point: its row id, key (`p0`) and label.
    public struct Point: Sendable {
        public var id: Int64
        public var key: String
        public var label: String
    }
    public var runId: Int64
    public var recipeName: String
    public var task: String
    public var folder: String
    public var runStatus: RunStatus
    public var point: Point
    public var model: ModelRow
    /// Evaluations by split.
    public var evaluations: [String: EvaluationRow]
    /// Latencies by batch size.
    public var latency: [Int: LatencyRow]
    /// The run's other sweep points that share this model (``ModelComparison`` lists it once,
    /// under its first point).
    public var alsoIn: [Point] = []

    /// `p0 lr=2e-05`; `p0` when the run has no sweep; `p0, p1, p2` for a model its points share.
    public var pointName: String {
        guard alsoIn.isEmpty else { return ([point] + alsoIn).map(\.key).joined(separator: ", ") }
        return point.label == "default" ? point.key : "\(point.key) \(point.label)"
    }

    /// What makes two entries the same model: a run's sweep points keep their own rows for the
    /// models of the stages they share (the stages before the swept one ran once), with the same
    /// origin, size and numbers. A measurement is required, but for the starting model, so that
    /// two unmeasured models of different points are never taken for one.
    var sharedModelKey: String? {
        guard model.position == 0 || !evaluations.isEmpty || !latency.isEmpty else { return nil }
        let scores = evaluations.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.accuracy),\($0.value.f1),\($0.value.count)" }
        let times = latency.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.ms)" }
        return "\(runId)|\(model.position)|\(model.origin)|\(model.parameters)|\(model.fileBytes)|" + (scores + times).joined(separator: ";")
    }
}

/// Models side by side, with those on the Pareto front of accuracy (higher is better),
/// latency and file size (lower is better) marked: a model is Pareto-optimal when no other
/// model is at least as good on all three and better on one. Only models with an accuracy on
/// ``split`` and a latency at ``batchSize`` take part. A model that several sweep points of a
/// run share is one entry (``ModelEntry/alsoIn``).
public struct ModelComparison: Sendable {
    /// The split whose accuracy counts.
    public let split: String
    /// The batch size whose latency counts.
    public let batchSize: Int
    public let entries: [ModelEntry]
    /// Model row ids on the front.
    public let paretoOptimal: Set<Int64>

    /// Compares `entries`.
    public init(_ entries: [ModelEntry], split: String = "test", batchSize: Int = 1) {
        self.split = split
        self.batchSize = batchSize
        let entries = Self.mergingShared(entries)
        self.entries = entries
        let candidates = entries.compactMap { entry -> (id: Int64, objectives: Objectives)? in
            guard let id = entry.model.id, let objectives = Self.objectives(entry, split: split, batchSize: batchSize) else { return nil }
            return (id, objectives)
        }
        paretoOptimal = Set(candidates.filter { candidate in
            !candidates.contains { $0.objectives.dominates(candidate.objectives) }
        }.map(\.id))
    }

    /// Whether `entry` is on the front.
    public func isParetoOptimal(_ entry: ModelEntry) -> Bool { entry.model.id.map(paretoOptimal.contains) ?? false }

    /// The accuracy that counts for `entry`, if measured.
    public func accuracy(_ entry: ModelEntry) -> Double? { entry.evaluations[split]?.accuracy }

    /// The latency that counts for `entry` in milliseconds, if measured.
    public func latency(_ entry: ModelEntry) -> Double? { entry.latency[batchSize]?.ms }

    /// Whether `entry` takes part (it has both numbers).
    public func isCandidate(_ entry: ModelEntry) -> Bool { Self.objectives(entry, split: split, batchSize: batchSize) != nil }

    /// `entries` with each model the points of a run share kept once, at its first point.
    static func mergingShared(_ entries: [ModelEntry]) -> [ModelEntry] {
        var merged: [ModelEntry] = [], first: [String: Int] = [:]
        for entry in entries {
            if let key = entry.sharedModelKey, let index = first[key], merged[index].point.id != entry.point.id {
                merged[index].alsoIn.append(entry.point)
                continue
            }
            if let key = entry.sharedModelKey, first[key] == nil { first[key] = merged.count }
            merged.append(entry)
        }
        return merged
    }

    struct Objectives {
        var accuracy: Double
        var latency: Double
        var bytes: Int

        /// At least as good on every objective and better on one.
        func dominates(_ other: Objectives) -> Bool {
            accuracy >= other.accuracy && latency <= other.latency && bytes <= other.bytes
                && (accuracy > other.accuracy || latency < other.latency || bytes < other.bytes)
        }
    }

    static func objectives(_ entry: ModelEntry, split: String, batchSize: Int) -> Objectives? {
        guard let accuracy = entry.evaluations[split]?.accuracy, let latency = entry.latency[batchSize]?.ms,
              accuracy.isFinite, latency.isFinite else { return nil }
        return Objectives(accuracy: accuracy, latency: latency, bytes: entry.model.fileBytes)
    }
}
