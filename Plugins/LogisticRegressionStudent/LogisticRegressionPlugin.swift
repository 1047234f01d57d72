import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.logistic-regression", name: "Logistic-regression student", version: "1.0.0", license: "Apache-2.0",
    components: [
        .student(LogisticRegressionStudent.self, name: LogisticRegressionStudent.componentName,
                 summary: "n-gram TF-IDF (or binary) features fitted on the training texts, one linear layer"),
        .model(LogisticRegressionStudent.self, name: LogisticRegressionStudent.componentName,
               summary: "a saved logistic-regression student"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
