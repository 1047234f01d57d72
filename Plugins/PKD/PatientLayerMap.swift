import BertSlimSDK

/// Which teacher layer each student layer learns from in BERT-PKD's patient term.
///
/// Layers are numbered from 0 as in parameter names (`encoder.layer.N`); the state compared is
/// the layer's output at [CLS]. Every student layer but the last has one teacher layer (the
/// last one's output reaches the logits, which the KD term already matches), so a student of
/// M layers and a teacher of N give M − 1 pairs:
/// - `skip` (PKD-Skip): student layer j (1-based) ↔ teacher layer ⌊j·N/M⌋ (1-based), every
///   k = N/M layers: 6 → 3 gives teacher layers [1, 3]; 12 → 6 gives [1, 3, 5, 7, 9].
/// - `last` (PKD-Last): the M − 1 teacher layers below its last: 6 → 3 gives [3, 4]; 12 → 6
///   gives [6, 7, 8, 9, 10].
/// Both need a student no deeper than its teacher.
enum PatientLayerMap {
    /// The named mappings.
    enum Strategy: String, Decodable, CaseIterable, Equatable {
        /// Every k-th teacher layer, k = N / M.
        case skip
        /// The teacher's top layers but its last.
        case last
    }

    /// The teacher layer of each student layer but the last, for `strategy`.
    /// - Precondition: `1 <= studentLayers <= teacherLayers` (``problem(_:strategy:teacherLayers:studentLayers:teacher:)`` checks it).
    static func layers(_ strategy: Strategy, teacherLayers n: Int, studentLayers m: Int) -> [Int] {
        switch strategy {
        case .skip: return (1..<max(m, 1)).map { j in j * n / m - 1 }
        case .last: return (1..<max(m, 1)).map { j in n - m + j - 1 }
        }
    }

    /// What is wrong with a layer map (explicit `map`, else `strategy`'s) between a teacher of
    /// `n` layers and a student of `m`, as the settings key to blame and the reason; nil when
    /// nothing is, or when a count it needs is unknown.
    /// - Parameter teacher: how messages name the teacher (its folder).
    static func problem(_ map: [Int]?, strategy: Strategy, teacherLayers n: Int?, studentLayers m: Int?,
                        teacher: String) -> (key: String, reason: String)? {
        let key = FirstPartyComponents.PKD.strategyKey
        if let map, let n, let bad = map.first(where: { !(0..<n).contains($0) }) {
            return ("layer_map", "teacher layer \(bad) does not exist: the teacher (\(teacher)) has \(n) layers, 0...\(n - 1)")
        }
        if let map, let m, map.count != m - 1 {
            let layers = n.map { "; the teacher (\(teacher)) has \($0) layers" } ?? ""
            return ("layer_map", "has \(map.count) entries, and the \(m)-layer student needs \(m - 1) "
                    + "(one per student layer but the last)\(layers)")
        }
        if map == nil, let n, let m, m > n {
            return (key, "\(strategy.rawValue) needs a student no deeper than the teacher; the student has \(m) layers, "
                    + "the teacher (\(teacher)) \(n)")
        }
        return nil
    }

    /// The pairs for a batch whose outputs hold `n` teacher and `m` student layers.
    /// - Throws: ``ComponentError`` saying what does not fit.
    static func pairs(_ map: [Int]?, strategy: Strategy, teacherLayers n: Int, studentLayers m: Int) throws -> [(student: Int, teacher: Int)] {
        if let (key, reason) = problem(map, strategy: strategy, teacherLayers: n, studentLayers: m, teacher: "of this stage") {
            throw ComponentError(FirstPartyComponents.PKD.loss, "\(key): \(reason)")
        }
        return (map ?? layers(strategy, teacherLayers: n, studentLayers: m)).enumerated().map { ($0.offset, $0.element) }
    }
}
