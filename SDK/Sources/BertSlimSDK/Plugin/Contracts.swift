/// What a saved model folder tells the host, defined once for the host and every plugin.
public enum ModelFolderContract {
    /// The `config.json` key naming the ``LoadableModel`` component that rebuilds a folder
    /// (`"bertslim_component": "q8bert-int8"`). A plain Hugging Face BERT folder has none.
    public static let componentKey = "bertslim_component"
}

/// First-party components the host builds itself (`bertslim bench`): their names and the
/// settings those uses need, defined once here and used by the plugins' own declarations, so
/// that no string is typed on both sides.
public enum FirstPartyComponents {
    /// Q8BERT's quantizer (`Plugins/Q8BERT`).
    public enum Q8BERT {
        public static let quantizer = "q8bert"
        /// The int8 model its conversion makes and its folders name.
        public static let model = "q8bert-int8"
        /// The settings key choosing the mode, and the mode that needs no calibration data.
        public static let modeKey = "mode"
        public static let dynamicMode = "dynamic"
    }

    /// The BERT student (`Plugins/BertStudent`).
    public enum BertStudent {
        public static let student = "bert-student"
        /// The settings key for the student's number of layers.
        public static let layersKey = "layers"
    }

    /// Hinton et al.'s distillation loss (`Plugins/HintonKD`).
    public enum HintonKD {
        public static let loss = "hinton-kd"
        public static let temperatureKey = "temperature"
        public static let alphaKey = "alpha"
    }

    /// Sun et al.'s patient knowledge distillation loss (`Plugins/PKD`; SDK 1.2).
    public enum PKD {
        public static let loss = "pkd"
        /// The settings key choosing which teacher layers the student's are matched to, and its values.
        public static let strategyKey = "strategy"
        public static let skipStrategy = "skip"
        public static let lastStrategy = "last"
        public static let betaKey = "beta"
    }
}
