// A minimal Swift plugin. Built twice (-D TWIN_B changes the id, not the component name) for
// the duplicate-component case, and once with the SDK's object files linked in (-D OWN_SDK)
// for the case of a plugin that carries its own copy of the SDK.
import BertSlimSDK

struct TwinLoss: Loss {
    init(settings: NoSettings, context: ComponentContext) {}

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor { Tensor(0) }
}

#if OWN_SDK
let plugin = PluginDefinition(id: "org.bertslim.fixture.own-sdk", name: "Own SDK", version: "1.0.0", license: "MIT",
                              components: [.loss(TwinLoss.self, name: "own-sdk-loss", summary: "never made")])
#elseif TWIN_B
let plugin = PluginDefinition(id: "org.bertslim.fixture.twin-b", name: "Twin B", version: "1.0.0", license: "MIT",
                              components: [.loss(TwinLoss.self, name: "twin", summary: "declared by both twins")])
#else
let plugin = PluginDefinition(id: "org.bertslim.fixture.twin-a", name: "Twin A", version: "1.0.0", license: "MIT",
                              components: [.loss(TwinLoss.self, name: "twin", summary: "declared by both twins")])
#endif

@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
