import BertSlimSDK
import Foundation
import Testing
import Yams

/// Settings shaped like a distillation loss's, with a nested selector block.
struct KDSettings: ComponentSettings, Equatable {
    enum Source: String, Decodable, CaseIterable { case logits, pooled }
    struct Select: ComponentSettings, Equatable {
        var names: [String] = []
        static var keys: [SettingKey<Select>] { [SettingKey("names", \.names, "parameter names or re: patterns")] }
    }

    var temperature: Float = 2
    var alpha: Float = 0.5
    var source = Source.logits
    var note: String? = nil
    var select = Select()
    static var keys: [SettingKey<KDSettings>] { [
        SettingKey("temperature", \.temperature, "softmax temperature T (> 0)", valid: { $0 > 0 ? nil : "must be > 0" }),
        SettingKey("alpha", \.alpha, "weight of the soft term", valid: { (0...1).contains($0) ? nil : "must be in 0...1" }),
        SettingKey("source", \.source, "which vectors to compare"),
        SettingKey("note", \.note, "free text"),
        SettingKey("select", \.select, "what the loss applies to"),
    ] }
}

/// A recipe-like document: stages, each with a loss block.
struct Recipe: Decodable {
    struct Stage: Decodable { var loss: KDSettings }
    var stages: [Stage]
}

@Suite("Component settings")
struct SettingsTests {
    func decode(_ json: String) throws -> KDSettings {
        try JSONDecoder().decode(KDSettings.self, from: Data(json.utf8))
    }

    @Test func absentKeysKeepTheDefaults() throws {
        #expect(try decode("{}") == KDSettings())
        #expect(try decode("null") == KDSettings())
        var expected = KDSettings()
        expected.temperature = 4
        expected.source = .pooled
        expected.select.names = ["re:encoder.*"]
        #expect(try decode(#"{"temperature": 4, "source": "pooled", "select": {"names": ["re:encoder.*"]}}"#) == expected)
    }

    @Test func anUnknownKeyIsAnErrorWithItsKeyPathInsideARecipe() throws {
        let yaml = """
            stages:
              - loss: {temperature: 3}
              - loss: {temperatur: 4, alpha: 0.1}
            """
        #expect {
            _ = try YAMLDecoder().decode(Recipe.self, from: yaml)
        } throws: { error in
            // Yams wraps errors thrown inside decoding; SettingsError unwraps them.
            let settingsError = (error as? DecodingError).map { SettingsError($0) } ?? error
            return String(describing: settingsError)
                == "stages[1].loss.temperatur: unknown key (known: temperature, alpha, source, note, select)"
        }
    }

    @Test(arguments: [
        (#"{"select": {"name": ["x"]}}"#, "select.name: unknown key (known: names)"),
        (#"{"temperature": 0}"#, "temperature: must be > 0"),
        (#"{"alpha": "high"}"#, "alpha: expected Float"),
        (#"{"select": {"names": "x"}}"#, "select.names: expected [String]"),
        (#"{"source": "cls"}"#, "source: expected one of: logits, pooled"),
        (#"[1, 2]"#, "settings: expected a block of settings (key: value)"),
    ])
    func badBlocksNameTheKey(json: String, message: String) throws {
        #expect {
            _ = try decode(json)
        } throws: { error in
            String(describing: error) == message
        }
    }

    @Test func aComponentWithoutSettingsRejectsAnyKey() throws {
        #expect {
            _ = try JSONDecoder().decode(NoSettings.self, from: Data(#"{"x": 1}"#.utf8))
        } throws: { error in
            String(describing: error) == "x: unknown key (this component takes no settings)"
        }
    }

    @Test func prefixesJoinKeyPaths() {
        let error = SettingsError.unknownKey(path: "alpha", known: ["beta"])
        #expect(error.prefixed(by: "stages[2].loss").description == "stages[2].loss.alpha: unknown key (known: beta)")
        #expect(SettingsError.invalidValue(path: "", reason: "bad").prefixed(by: "loss").description == "loss: bad")
    }

    @Test func descriptionsListKeyTypeDefaultAndDoc() {
        let rows = KDSettings.settingDescriptions
        #expect(rows.map(\.key) == ["temperature", "alpha", "source", "note", "select", "select.names"])
        #expect(rows.map(\.type) == ["Float", "Float", "one of: logits, pooled", "String?", "block", "[String]"])
        #expect(rows.map(\.defaultValue) == ["2.0", "0.5", "logits", "none", "{…}", "[]"])
        #expect(rows[0].doc == "softmax temperature T (> 0)")
    }
}
