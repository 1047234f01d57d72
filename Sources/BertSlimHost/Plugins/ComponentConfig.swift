import BertSlimSDK
import Foundation
import Yams

/// Where a component's settings block comes from.
public enum ComponentConfig {
    /// No block: the component's defaults.
    case empty
    /// A JSON object; `path` (e.g. `stages[1].loss`) prefixes key paths in errors.
    case json(String, path: String = "")
    /// A YAML mapping; `path` prefixes key paths in errors.
    case yaml(String, path: String = "")
    /// A decoder positioned on the block, e.g. inside a recipe's own `init(from:)`; its
    /// coding path is already the block's.
    case decoder(Decoder)

    /// A block from Swift values (numbers, strings, booleans, lists of them), keyed by the
    /// names a component's settings declare (e.g. from ``FirstPartyComponents``).
    public static func settings(_ values: [String: Any], path: String = "") -> ComponentConfig {
        let data = (try? JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])) ?? Data("{}".utf8)
        return .json(String(decoding: data, as: UTF8.self), path: path)
    }
}

extension CodingUserInfoKey {
    fileprivate static let componentBuild = CodingUserInfoKey(rawValue: "bertslim.componentBuild")!
}

/// The factory and context a decoded block is built with, handed through `userInfo`.
private struct ComponentBuild {
    let factory: ComponentFactory
    let context: ComponentContext
}

/// Decodes a block and builds the component inside the decoder.
private struct BuiltComponent: Decodable {
    let value: Any

    init(from decoder: Decoder) throws {
        guard let build = decoder.userInfo[.componentBuild] as? ComponentBuild else {
            throw SettingsError.invalidValue(path: "", reason: "internal: no component to build")
        }
        value = try build.factory.make(from: decoder, context: build.context)
    }
}

extension ComponentFactory {
    /// Builds the component from `config`.
    /// - Throws: ``SettingsError`` (key path first) for a bad block, ``PluginError`` when
    ///   the component fails to build.
    func make(config: ComponentConfig, context: ComponentContext) throws -> Any {
        let build = ComponentBuild(factory: self, context: context)
        var prefix = ""
        do {
            switch config {
            case .empty:
                let decoder = JSONDecoder()
                decoder.userInfo[.componentBuild] = build
                return try decoder.decode(BuiltComponent.self, from: Data("{}".utf8)).value
            case .json(let text, let path):
                prefix = path
                let decoder = JSONDecoder()
                decoder.userInfo[.componentBuild] = build
                return try decoder.decode(BuiltComponent.self, from: Data(text.utf8)).value
            case .yaml(let text, let path):
                prefix = path
                return try YAMLDecoder().decode(BuiltComponent.self, from: text, userInfo: [.componentBuild: build]).value
            case .decoder(let decoder):
                return try make(from: decoder, context: context)
            }
        } catch let error as SettingsError {
            throw error.prefixed(by: prefix)
        } catch let error as DecodingError {
            // Yams wraps an error thrown by the component's initializer as "not valid YAML";
            // report the component's own error instead.
            if case .dataCorrupted(let context) = error, let inner = context.underlyingError,
               !(inner is SettingsError), !(inner is DecodingError) {
                throw PluginError.componentFailed(kind: kind, name: name, reason: String(describing: inner))
            }
            throw SettingsError(error).prefixed(by: prefix)
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError.componentFailed(kind: kind, name: name, reason: String(describing: error))
        }
    }
}
