/// A model that a saved folder rebuilds: its `config.json` names the component
/// (``ModelFolderContract/componentKey``), and the host finds the plugin that declared it with
/// `.model(T.self, name:summary:)` and calls ``init(folder:)``.
///
/// Separate from ``Student``, which means trainable: an int8 model reloads but does not train,
/// and a logistic-regression student does both (it conforms to both and is declared twice).
public protocol LoadableModel: Model {
    /// Reads what ``Model/save(to:)`` wrote into `folder`.
    /// - Throws: an error naming the file and the reason when the folder does not hold this model.
    init(folder: String) throws
}
