import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.bert-student", name: "BERT student", version: "1.0.0", license: "Apache-2.0",
    components: [
        .student(BertStudent.self, name: FirstPartyComponents.BertStudent.student,
                 summary: "a smaller BERT (layers, hidden, heads, FFN) initialised from chosen teacher layers (DistilBERT-style)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
