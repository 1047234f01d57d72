import BertSlimSDK

/// One entry of `stages:`: a block named by its type, with an optional `id` that sweeps may
/// address by name (`stages.teacher-ft.learning_rate`) instead of by position:
///
/// ```yaml
/// stages:
///   - id: teacher-ft
///     finetune: {epochs: 3}
///   - evaluate: {split: test}
/// ```
public struct RecipeStage {
    /// The stage's name for sweeps, if it has one (`[a-z0-9][a-z0-9._-]*`, unique in the recipe).
    public var id: String?
    /// The decoded settings block (``FineTuneStage``, ``PruneStage``, …).
    public var settings: any StageSettings { body }
    let body: any Stage

    /// `finetune`, `prune`, …
    public var type: String { Swift.type(of: body).type }
    /// Whether running the stage gives a new model.
    public var makesModel: Bool { Swift.type(of: body).makesModel }
    var isCached: Bool { Swift.type(of: body).isCached }
}

extension RecipeStage: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: SettingsCodingKey.self)
        let typeKeys = container.allKeys.filter { $0.stringValue != "id" }
        guard typeKeys.count == 1, let key = typeKeys.first else {
            throw SettingsError.invalidValue(path: SettingsError.render(decoder.codingPath),
                                             reason: "a stage is one block named by its type (one of: \(StageTypes.names.joined(separator: ", "))), and optionally an id")
        }
        guard let type = StageTypes.named(key.stringValue) else {
            throw SettingsError.unknownKey(path: SettingsError.render(decoder.codingPath + [key]), known: StageTypes.names + ["id"])
        }
        let idKey = SettingsCodingKey(stringValue: "id")
        if container.contains(idKey) {
            let id = try container.decode(String.self, forKey: idKey)
            guard let first = id.first, first.isLowercase || first.isNumber,
                  id.allSatisfy({ $0.isLowercase || $0.isNumber || ".-_".contains($0) }), id.allSatisfy(\.isASCII) else {
                throw SettingsError.invalidValue(path: SettingsError.render(decoder.codingPath + [idKey]),
                                                 reason: "'\(id)' is not a stage id (lower-case letters, digits, '.', '-' and '_')")
            }
            self.id = id
        }
        body = try Self.decode(type, from: container, key)
    }

    private static func decode<S: Stage>(_ type: S.Type, from container: KeyedDecodingContainer<SettingsCodingKey>,
                                         _ key: SettingsCodingKey) throws -> any Stage {
        try container.decode(S.self, forKey: key)
    }
}
