import BertSlimHost
import Foundation

/// A line of `metrics.jsonl` (``ExperimentEvent/metricsRecord``) as `metric` rows: the same
/// reading for a run recorded live and for a run folder imported later, so both give the same
/// rows. Any event with numbers is kept, including kinds this version does not know.
struct MetricLine {
    /// The sweep point's id (`p0`).
    var point: String
    var stage: Int?
    var event: String
    var epoch: Int?
    var step: Int?
    var split: String?
    /// Every number in the line that is not one of the keys above, by name; a nested object of
    /// numbers gives `name[key]` (`latency_ms[8]`).
    var values: [(name: String, value: Double)]

    /// Keys that place a line rather than measure something.
    private static let placing: Set<String> = ["event", "point", "stage", "epoch", "step", "split", "type"]

    /// Reads a record; nil when it names no event or point.
    init?(_ record: [String: Any]) {
        guard let event = record["event"] as? String, let point = record["point"] as? String else { return nil }
        self.point = point
        self.event = event
        stage = record["stage"].flatMap(Self.integer)
        epoch = record["epoch"].flatMap(Self.integer)
        step = record["step"].flatMap(Self.integer)
        split = record["split"] as? String
        var values: [(String, Double)] = []
        for key in record.keys.sorted() where !Self.placing.contains(key) {
            let value = record[key]!
            if let number = Self.number(value) {
                values.append((key, number))
            } else if let nested = value as? [String: Any] {
                let keys = nested.keys.sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
                for inner in keys { if let number = nested[inner].flatMap(Self.number) { values.append(("\(key)[\(inner)]", number)) } }
            }
        }
        self.values = values
    }

    /// Reads one line of `metrics.jsonl`; nil when it is not a JSON object with an event.
    init?(json line: Substring) {
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        self.init(object)
    }

    /// The line's rows for the point whose row id is `pointId`.
    func rows(pointId: Int64, at time: Date?) -> [MetricRow] {
        values.filter { !$0.value.isNaN }.map {  // SQLite would store NaN as NULL
            MetricRow(id: nil, pointId: pointId, stage: stage, event: event, epoch: epoch, step: step, split: split,
                      name: $0.name, value: $0.value, recordedAt: time)
        }
    }

    /// A JSON or Swift number as a Double; nil for booleans (which bridge to NSNumber too) and
    /// anything else.
    static func number(_ value: Any) -> Double? {
        guard type(of: value) != Bool.self, let number = value as? NSNumber else { return nil }
        let kind = String(cString: number.objCType)
        return kind == "c" || kind == "B" ? nil : number.doubleValue
    }

    static func integer(_ value: Any) -> Int? {
        guard let number = number(value), number.isFinite, number.rounded() == number, abs(number) < 1e15 else { return nil }
        return Int(number)
    }
}
