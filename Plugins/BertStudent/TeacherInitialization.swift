import BertSlimSDK

// A free function, not a BertModel extension: a plugin must not export symbols in the SDK's
// namespace (the linkage test checks that none start with the SDK's mangled module name).

/// Copies from `teacher` into `student` every tensor whose shape matches: embeddings (and
/// their LayerNorm), pooler and classification head by name, and for student layer i teacher
/// layer `layerMap[i]` when all of that layer's tensors match.
/// - Returns: per student layer, the teacher layer it now holds (nil: kept as it was).
func copyTeacherWeights(into student: BertModel, from teacher: BertModel, layerMap: [Int]) -> [Int?] {
    let source = Dictionary(teacher.namedParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
    for (name, parameter) in student.namedParameters where !name.hasPrefix("encoder.layer.") {
        if let from = source[name], from.shape == parameter.shape { parameter.value = from.value.copy() }
    }
    return layerMap.enumerated().map { index, teacherLayer in
        let mine = student.layers[index].namedParameters, theirs = teacher.layers[teacherLayer].namedParameters
        guard mine.count == theirs.count, zip(mine, theirs).allSatisfy({ $0.0 == $1.0 && $0.1.shape == $1.1.shape }) else {
            return nil
        }
        for (to, from) in zip(mine, theirs) { to.1.value = from.1.value.copy() }
        return teacherLayer
    }
}
