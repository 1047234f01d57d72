/// A part a plugin contributes — a teacher, student, loss, quantizer, pruner or augmenter — built by the
/// host from its recipe block.
///
/// The host decodes the block into ``Settings`` (unknown keys are errors with their key path)
/// and calls ``init(settings:context:)``. Declare the component in the plugin's
/// ``PluginDefinition`` with its kind, e.g. `.loss(MyLoss.self, name: "my-loss", summary: "…")`.
public protocol Component {
    /// What the component's recipe block may contain; ``NoSettings`` when nothing.
    associatedtype Settings: ComponentSettings = NoSettings
    /// Builds the component.
    /// - Parameters:
    ///   - settings: the decoded, checked recipe block.
    ///   - context: what the run knows that a block does not (labels, teacher, seed).
    /// - Throws: any error whose description tells the user what to fix (a missing file,
    ///   settings that contradict each other); never trap on user input.
    init(settings: Settings, context: ComponentContext) throws
}

/// The roles a component can play. New roles may be added in later SDK versions, so switches
/// over it need `@unknown default`.
public enum ComponentKind: String, CaseIterable, Codable, Sendable {
    /// Runs a trained model without gradients (``Teacher``).
    case teacher
    /// A trainable model (``Student``).
    case student
    /// A training objective (``Loss``).
    case loss
    /// Lowers numeric precision (``Quantizer``).
    case quantizer
    /// Removes structure (``Pruner``).
    case pruner
    /// A model a saved folder rebuilds (``LoadableModel``); SDK 1.1.
    case model
    /// Makes new training texts from old ones (``Augmenter``); SDK 1.2.
    case augmenter
    /// The processes a run is spread over (``Communicator``); SDK 1.6.
    case communicator

    /// The number the C descriptor uses (`BERTSLIM_COMPONENT_*`).
    public var abiValue: UInt32 {
        switch self {
        case .teacher: return 1
        case .student: return 2
        case .loss: return 3
        case .quantizer: return 4
        case .pruner: return 5
        case .model: return 6
        case .augmenter: return 7
        case .communicator: return 8
        }
    }

    /// The kind for a C descriptor number; nil for kinds this SDK does not know.
    public init?(abiValue: UInt32) {
        guard let kind = Self.allCases.first(where: { $0.abiValue == abiValue }) else { return nil }
        self = kind
    }
}

/// What the run knows that a component's settings do not: passed to every component's
/// initializer. New fields may be added; components read only what they need.
public struct ComponentContext {
    /// Number of classes of the task, when the data is known.
    public var labelCount: Int?
    /// The teacher of the stage, for students initialised from it (PKD copies its lower
    /// layers) and for components that read its configuration.
    public var teacher: (any Teacher)?
    /// Seed for any randomness the component uses (initialisation, sampling).
    public var seed: UInt64
    /// The folder that relative paths in settings are resolved against (the recipe's folder).
    public var baseDirectory: String
    /// The parameters the stage's `select:` block chose (nil: the stage selects everything).
    /// Kept apart from settings so that one pruner or quantizer works on any selection.
    public var selection: ParameterSelector?
    /// The stage's training split (texts and labels), for components that build something
    /// from the data itself: a bag-of-words student's vocabulary and IDF weights. Nil when
    /// the run has no data (e.g. a model loaded for prediction). Added after the first
    /// release, so the initializer leaves it nil and the host sets it.
    public var training: TextDataset? = nil
    /// The tokenizer the stage's data is encoded with (the teacher's WordPiece vocabulary and
    /// special tokens), for components that work on its tokens: an augmenter writing `[MASK]`,
    /// a student over WordPiece ids that keeps only the rows its data uses. Nil when the run has
    /// no data. Added in SDK 1.2: the initializer leaves it nil and the host sets it.
    public var tokenizer: WordPieceTokenizer? = nil
    /// A distill stage's student, made before its losses, for a loss whose parameters depend on
    /// the student's shape (TinyBERT's projections from its width to the teacher's). Nil for
    /// every other component. Added in SDK 1.3: the initializer leaves it nil.
    public var student: (any Model)? = nil

    /// A context from its parts.
    public init(labelCount: Int? = nil, teacher: (any Teacher)? = nil, seed: UInt64 = 0,
                baseDirectory: String = ".", selection: ParameterSelector? = nil) {
        self.labelCount = labelCount
        self.teacher = teacher
        self.seed = seed
        self.baseDirectory = baseDirectory
        self.selection = selection
    }
}

/// An error a component reports about its inputs, e.g. a loss asked to compare logits it was
/// not given. Components may also throw their own error types.
public struct ComponentError: Error, CustomStringConvertible, Sendable {
    /// The component's name as recipes write it.
    public var component: String
    /// What went wrong, as one line.
    public var reason: String

    /// An error naming the component and the reason.
    public init(_ component: String, _ reason: String) {
        self.component = component
        self.reason = reason
    }

    /// `component: reason`.
    public var description: String { "\(component): \(reason)" }
}
