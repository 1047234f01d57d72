import BertSlimSDK
import Foundation
import Yams

/// A component block of a recipe (`{component: hinton-kd, settings: {…}}`) resolved against the
/// loaded plugins when the recipe is validated: its factory, and its settings decoded into the
/// component's own `Settings` type, once. A run builds the component from it, once.
struct ResolvedComponent {
    let factory: ComponentFactory
    let settings: DecodedSettings
    /// Where the block is (`stages[1].distill.losses[0]`), for errors.
    let path: String
    /// Where its settings are (`stages[1].distill.losses[0].settings`).
    let settingsPath: String
    /// A loss's weight in its stage's sum.
    let weight: Schedule

    /// Builds the component in `role`.
    /// - Throws: the component's own error, or ``ComponentError`` when it is not a `role`.
    func make<Role>(as role: Role.Type, context: ComponentContext) throws -> Role {
        let value = try factory.make(settings: settings, context: context)
        guard let typed = value as? Role else {
            throw ComponentError(factory.name, "\(type(of: value)) is not a \(role) in this process (is the SDK linked twice?)")
        }
        return typed
    }
}

extension StageCheck {
    /// Resolves the component block at `key` (under the stage's path): the component must be
    /// loaded in `kind`, and its settings block must decode.
    /// - Throws: ``RecipeError`` at the key path (the known components for an unknown one, the
    ///   plugin's own key path inside a bad settings block).
    func resolve(_ reference: ComponentReference, kind: ComponentKind, key: String) throws -> ResolvedComponent {
        let path = self.path + "." + key
        guard !reference.component.isEmpty else {
            throw RecipeError.invalidValue(path: path + ".component", reason: "missing", at: location(path))
        }
        let factory: ComponentFactory
        do {
            factory = try host.factory(kind, reference.component)
        } catch PluginError.unknownComponent(_, _, let known) {
            throw RecipeError.unknownComponent(path: path + ".component", kind: kind, name: reference.component, known: known,
                                               at: location(path + ".component"))
        }
        let settingsPath = reference.settings.path ?? path + ".settings"
        let block = reference.settings.path.flatMap(recipe.document.node(at:)) ?? Node.mapping([:])
        do {
            let decoded = try YAMLDecoder().decode(SettingsOf.self, from: block, userInfo: [SettingsOf.factoryKey: factory]).settings
            return ResolvedComponent(factory: factory, settings: decoded, path: path, settingsPath: settingsPath, weight: reference.weight)
        } catch let error as SettingsError {
            throw RecipeError.settings(error.prefixed(by: settingsPath), in: recipe.document)
        } catch let error as DecodingError {
            throw RecipeError.settings(SettingsError(error).prefixed(by: settingsPath), in: recipe.document)
        }
    }
}

/// Decodes a settings block with the factory handed in `userInfo`.
private struct SettingsOf: Decodable {
    static let factoryKey = CodingUserInfoKey(rawValue: "bertslim.factory")!
    let settings: DecodedSettings

    init(from decoder: Decoder) throws {
        guard let factory = decoder.userInfo[Self.factoryKey] as? ComponentFactory else {
            throw SettingsError.invalidValue(path: "", reason: "internal: no component factory to decode with")
        }
        settings = try factory.decodeSettings(from: decoder)
    }
}
