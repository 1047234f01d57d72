/// One recorded op in the autograd graph: its inputs' nodes and the function that turns
/// the gradient of its output into gradients for those inputs (the VJP).
///
/// The graph is the tape: nodes are created as ops run, ordered when `backward()` is
/// called, and their closures (which hold the tensors saved for backward) are released
/// as soon as they have run, so memory does not grow step over step.
public final class GradNode {
    @usableFromInline let parents: [GradNode?]
    @usableFromInline var pullback: ((Tensor) -> [Tensor?])?
    /// Accumulated gradient of the output (kept after backward only for leaves).
    @usableFromInline var grad: Tensor?
    /// The parameter a leaf belongs to; its gradient is accumulated there.
    @usableFromInline weak var parameter: Parameter?
    /// Sparse accumulation for leaves: called instead of `grad +=` (embedding rows).
    @usableFromInline let shape: [Int]

    @usableFromInline
    init(parents: [GradNode?], shape: [Int], pullback: ((Tensor) -> [Tensor?])?) {
        self.parents = parents
        self.shape = shape
        self.pullback = pullback
    }

    /// A leaf: a parameter or a tensor that asked for its gradient.
    @usableFromInline
    init(leafShape: [Int], parameter: Parameter?) {
        parents = []
        shape = leafShape
        pullback = nil
        self.parameter = parameter
    }

    @usableFromInline var isLeaf: Bool { parents.isEmpty && pullback == nil }

    @usableFromInline
    func accumulate(_ g: Tensor) {
        precondition(g.shape == shape, "gradient shape \(g.shape) does not match \(shape)")
        if let parameter {
            parameter.accumulateGradient(g)
        } else if let existing = grad {
            grad = existing.detached + g.detached
        } else {
            grad = g.detached
        }
    }
}

/// Whether ops record the autograd graph on this thread/task.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients (teachers, evaluation, optimizer updates).
@inlinable
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// Wraps an op's result: when recording and any input needs a gradient, attaches a
    /// node whose pullback maps the output gradient to one gradient per input (nil for
    /// inputs that need none). The pullback must capture only detached tensors.
    @inlinable
    public static func record(
        _ value: Tensor, inputs: [Tensor], pullback: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return value.detached }
        let node = GradNode(parents: inputs.map(\.node), shape: value.shape, pullback: pullback)
        return Tensor(shape: value.shape, storage: value.storage, node: node)
    }

    /// This tensor as a leaf whose gradient is kept in ``grad`` after `backward()`.
    public func requiringGrad() -> Tensor {
        Tensor(shape: shape, storage: storage, node: GradNode(leafShape: shape, parameter: nil))
    }

    /// The gradient accumulated into a leaf made by ``requiringGrad()``.
    public var grad: Tensor? { node?.isLeaf == true ? node?.grad : nil }

    /// Reverse-mode differentiation from this scalar: every parameter (and every leaf made
    /// by ``requiringGrad()``) that it depends on gets ∂self/∂leaf added to its gradient.
    /// The recorded graph is released as it is walked.
    public func backward() {
        precondition(count == 1, "backward() needs a scalar, got shape \(shape)")
        guard let root = node else { return }
        let order = GradNode.topologicalOrder(from: root)
        root.grad = Tensor(repeating: 1, shape: shape)
        for current in order.reversed() {
            guard let g = current.grad else { current.pullback = nil; continue }
            if current.isLeaf {
                if let parameter = current.parameter {
                    parameter.accumulateGradient(g)
                    current.grad = nil
                }
                continue
            }
            let pullback = current.pullback
            current.pullback = nil
            current.grad = nil
            guard let inputGrads = pullback?(g) else { continue }
            for (parent, inputGrad) in zip(current.parents, inputGrads) {
                guard let parent, let inputGrad else { continue }
                if parent.isLeaf, parent.parameter != nil {
                    parent.parameter?.accumulateGradient(inputGrad)
                } else {
                    parent.accumulate(inputGrad)
                }
            }
        }
    }
}

extension GradNode {
    /// Nodes reachable from `root`, every node after all of its parents.
    static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                if let parent = node.parents[next], visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}

extension Tensor {
    /// The autograd node, for tests that check the graph is released.
    public var debugNode: AnyObject? { node }
}
