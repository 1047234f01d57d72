import BertSlimSDK

/// The settings of the `tinybert` loss: which of its parts are on (the stages switch them),
/// the layer map and the prediction layer's temperature.
struct TinyBERTSettings: ModelCheckedSettings {
    /// The loss's parts.
    enum Part: String, Decodable, CaseIterable, Equatable {
        /// L_emb = MSE(E_s·W_e, E_t) on the embedding layer's output.
        case embedding
        /// L_hidn = Σ_m MSE(H_s,m·W_h, H_t,g(m)) over the mapped layers.
        case hidden
        /// L_attn = Σ_m MSE(A_s,m, A_t,g(m)) over the heads' unnormalised attention scores.
        case attention
        /// L_pred = CE(softmax(z_t/T), log softmax(z_s/T)).
        case prediction
    }

    var parts: [Part] = [.embedding, .hidden, .attention]
    var layerMap: [Int]?
    var temperature = Schedule.constant(1)

    static var keys: [SettingKey<TinyBERTSettings>] { [
        SettingKey("parts", \.parts,
                   "what the loss sums: embedding, hidden, attention (general and intermediate task distillation), prediction (the last stage)",
                   valid: { $0.isEmpty ? "lists no part" : Set($0).count < $0.count ? "lists a part twice" : nil }),
        SettingKey("layer_map", \.layerMap,
                   "teacher layer (0-based, encoder.layer.N) of each student layer; default: evenly spaced, top to top (4 of 6 → [1, 2, 4, 5])"),
        SettingKey("temperature", \.temperature, "softmax temperature T of the prediction part (> 0): a number or a schedule",
                   valid: { $0.range.lowerBound > 0 ? nil : "\($0) must stay above 0" }),
    ] }

    /// Whether a part that reads the models' internals is on.
    var intermediate: Bool { parts.contains { $0 != .prediction } }

    func conflict() -> (key: String, reason: String)? {
        if let bad = layerMap?.first(where: { $0 < 0 }) { return ("layer_map", "\(bad) is not a layer number (0-based)") }
        if layerMap != nil && !parts.contains(.hidden) && !parts.contains(.attention) {
            return ("layer_map", "is read only with the hidden or attention part")
        }
        return nil
    }

    /// The layer map and the head counts against the stage's teacher and student.
    func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
        let teacher = context.teacher, student = context.student
        if parts.contains(.hidden) || parts.contains(.attention),
           let problem = TinyBERTLayerMap.problem(layerMap, teacherLayers: teacher?.layerCount, studentLayers: student?.layerCount,
                                                  teacher: teacher?.name ?? "teacher") {
            return ("layer_map", problem)
        }
        if parts.contains(.attention), let mine = student?.attentionHeads, let theirs = teacher?.attentionHeads, mine != theirs {
            return ("parts", "attention compares attention maps head by head, so the student needs the teacher's head count; "
                    + "the student has \(mine) heads, the teacher (\(teacher?.name ?? "teacher")) \(theirs)")
        }
        return nil
    }
}

/// Which teacher layer each student layer learns from (TinyBERT's g(m)).
enum TinyBERTLayerMap {
    /// Evenly spaced with the top student layer on the top teacher layer: student layer i
    /// (0-based) ↔ teacher layer round((i + 1)·N/M) − 1, halves rounded up. 4 of 12 gives [2, 5,
    /// 8, 11] (the paper's g(m) = 3m); 4 of 6 gives [1, 2, 4, 5].
    static func evenlySpaced(teacherLayers n: Int, studentLayers m: Int) -> [Int] {
        (0..<m).map { i in (2 * (i + 1) * n + m) / (2 * m) - 1 }
    }

    /// What is wrong with `map` between a teacher of `n` layers and a student of `m`; nil when
    /// nothing is, or when a count it needs is unknown.
    static func problem(_ map: [Int]?, teacherLayers n: Int?, studentLayers m: Int?, teacher: String) -> String? {
        guard let map else { return nil }
        if let n, let bad = map.first(where: { !(0..<n).contains($0) }) {
            return "teacher layer \(bad) does not exist: the teacher (\(teacher)) has \(n) layers, 0...\(n - 1)"
                + (m.map { "; the student has \($0)" } ?? "")
        }
        if let m, map.count != m {
            return "has \(map.count) entries, one per student layer, and the student has \(m) layers"
                + (n.map { "; the teacher (\(teacher)) has \($0)" } ?? "")
        }
        return nil
    }
}
