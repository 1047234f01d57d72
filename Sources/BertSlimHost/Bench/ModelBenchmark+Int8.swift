import BertSlimSDK

extension ModelBenchmark {
    /// `model` converted to int8 by the q8bert plugin in dynamic mode (what `bench infer
    /// --int8` times): no calibration data needed, like PyTorch's `quantize_dynamic`.
    /// - Throws: when the plugin is not on the search path or the model is not a BERT.
    public static func int8Dynamic(_ model: any Model, host: PluginHost? = nil) throws -> any Model {
        let plugins = host ?? PluginHost.loaded()
        typealias Q8BERT = FirstPartyComponents.Q8BERT
        let quantizer = try plugins.make(Q8BERT.quantizer, as: (any Quantizer).self,
                                         config: .settings([Q8BERT.modeKey: Q8BERT.dynamicMode], path: "--int8"))
        try quantizer.prepare(model)
        return try quantizer.convert(model)
    }
}
