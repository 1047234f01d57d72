import BertSlimSDK
import Foundation

/// Model folders as the host reads and writes them.
///
/// A Hugging Face BERT folder (`config.json` + `model.safetensors`) loads as ``BertModel``.
/// A folder a plugin's model wrote names that model's component in its `config.json`
/// (``ModelFolderContract/componentKey``, e.g. `"bertslim_component": "q8bert-int8"`): the plugin
/// that declared a ``LoadableModel`` of that name rebuilds it from the folder, so a plugin's
/// model reloads wherever the plugin is on the search path. (Plugins built against SDK 1.0
/// declared a Student instead; the host then makes it with empty settings and calls `load(from:)`.)
public enum ModelFolder {
    /// Loads the model in `directory`.
    /// - Parameter host: the plugins that may provide the folder's component (made only
    ///   when the folder names one; by default every plugin on the default search path).
    /// - Throws: ``ModelFolderError`` for a folder the host cannot read, or the model's
    ///   own error naming the file.
    public static func load(_ directory: String, host: @autoclosure () -> PluginHost = PluginHost.loaded()) throws -> any Model {
        guard let name = try componentName(in: directory) else { return try BertModel.load(directory: directory) }
        let plugins = host()
        let loader: ComponentFactory
        do {
            loader = try plugins.factory(.model, name)
        } catch {
            guard let student = try? plugins.make(name, as: (any Student).self) else {
                throw ModelFolderError.component(folder: directory, name: name, reason: String(describing: error))
            }
            try student.load(from: directory)
            return student
        }
        return try loader.loadModel(folder: directory)
    }

    /// Writes `model` into `folder` (replacing it) with the tokenizer files from `tokenizerDirectory`;
    /// with `dense`, a model with masked weights (``WeightMaskable``) stores them as zeros.
    ///
    /// The folder is written beside `folder` and swapped in when complete, so a write that
    /// fails part-way (a full disk) leaves the folder as it was and throws.
    public static func save(_ model: any Model, to folder: String, tokenizerDirectory: String, dense: Bool = false) throws {
        let files = FileManager.default
        let staging = "\(folder).partial-\(getpid())", previous = "\(folder).previous-\(getpid())"
        try? files.removeItem(atPath: staging)
        do {
            if dense, let maskable = model as? any WeightMaskable {
                try maskable.saveDense(to: staging)
            } else {
                try model.save(to: staging)
            }
            try WordPieceTokenizer.copyFiles(from: tokenizerDirectory, to: staging)
        } catch {
            try? files.removeItem(atPath: staging)
            throw error
        }
        if files.fileExists(atPath: folder) { try files.moveItem(atPath: folder, toPath: previous) }
        try files.moveItem(atPath: staging, toPath: folder)
        try? files.removeItem(atPath: previous)
    }

    /// The component named by `directory/config.json`, nil for a plain BERT folder.
    static func componentName(in directory: String) throws -> String? {
        let path = (directory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelFolderError.unreadable(file: path, reason: "no such file (is \(directory) a model directory?)")
        }
        let data: Data
        do { data = Data(try RegularFile.contents(of: path, limit: BertConfig.fileSizeLimit)) } catch let error as FileReadError {
            throw ModelFolderError.unreadable(file: path, reason: error.reason)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelFolderError.unreadable(file: path, reason: "not a JSON object")
        }
        guard let value = object[ModelFolderContract.componentKey] else { return nil }
        guard let name = value as? String, !name.isEmpty else {
            throw ModelFolderError.unreadable(file: path, reason: "\(ModelFolderContract.componentKey) must be a component name (a non-empty string)")
        }
        return name
    }
}

/// A model folder the host cannot load.
public enum ModelFolderError: Error, CustomStringConvertible {
    /// `config.json` is missing or malformed.
    case unreadable(file: String, reason: String)
    /// The folder names a component no loaded plugin can make.
    case component(folder: String, name: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): \(reason)"
        case let .component(folder, name, reason):
            return "\(folder): written by the '\(name)' model of a plugin, which cannot be made here: \(reason)"
        }
    }
}

extension PluginHost {
    /// A host with every plugin on the default search path loaded.
    public static func loaded() -> PluginHost {
        let host = PluginHost()
        host.load()
        return host
    }
}
