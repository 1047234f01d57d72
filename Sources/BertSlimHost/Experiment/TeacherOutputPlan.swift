import BertSlimSDK
import Foundation

/// What a distill stage asks its two models for, and what caching the teacher's answers costs.
///
/// The losses declare the internals they read (``Loss/request``: hidden states, [CLS] states,
/// attention). Both models must offer them through ``HiddenStatesProvider``; a model that lists
/// full hidden states but not [CLS] states is asked for the former (``OutputRequest/adapted(to:)``).
/// The teacher's outputs are kept per example when they fit in ``memoryBudget``.
struct TeacherOutputPlan {
    /// What the student's forward pass is asked for.
    let studentRequest: OutputRequest
    /// What the teacher is asked for.
    let teacherRequest: OutputRequest
    /// What the losses read, and a cache keeps of the teacher's outputs.
    let kept: OutputRequest

    /// Checks that `student` and `teacher` offer what the losses read.
    /// - Throws: a reason naming the model, the internals and the capability.
    init(losses request: OutputRequest, teacher: any Teacher, student: any Model) throws {
        kept = request
        studentRequest = try Self.request(request, from: student, role: "student", name: "\(type(of: student))")
        teacherRequest = try Self.teacherRequest(request, teacher: teacher)
    }

    /// What `teacher` is asked for when the losses read `request`.
    /// - Throws: a reason naming the teacher and what it lacks.
    static func teacherRequest(_ request: OutputRequest, teacher: any Teacher) throws -> OutputRequest {
        let name = (teacher as? CustomStringConvertible)?.description ?? "\(type(of: teacher.model))"
        return try Self.request(request, from: teacher.model, role: "teacher", name: name)
    }

    private static func request(_ request: OutputRequest, from model: any Model, role: String, name: String) throws -> OutputRequest {
        guard !request.isEmpty else { return [] }
        let wanted = request.names.joined(separator: ", ")
        guard let provider = model as? any HiddenStatesProvider else {
            throw PlanError("the losses read the \(role)'s \(wanted); the \(role) (\(name)) does not provide them (it is no HiddenStatesProvider)")
        }
        let (adapted, missing) = request.adapted(to: provider.availableOutputs)
        guard missing.isEmpty else {
            throw PlanError("the losses read the \(role)'s \(wanted); the \(role) (\(name)) cannot return its \(missing.names.joined(separator: ", "))")
        }
        return adapted
    }

    /// Float values a cache of the teacher's outputs holds for examples of `lengths` tokens:
    /// logits, the pooled vector and what the losses read (as ``TeacherOutputCache`` stores them).
    func cacheValues(teacher: any Teacher, lengths: [Int]) -> Int {
        let provider = teacher.model as? any HiddenStatesProvider
        let (layers, width, heads) = (provider?.layerCount ?? 0, provider?.hiddenSize ?? 0, provider?.attentionHeads ?? [])
        let attentionKinds = [OutputRequest.attentionScores, .attentionProbabilities].filter(kept.contains).count
        let fixed = teacher.model.labels.count + width + (kept.contains(.clsHiddenStates) ? (layers + 1) * width : 0)
        return lengths.reduce(0) { total, n in
            total + fixed + (kept.contains(.hiddenStates) ? (layers + 1) * n * width : 0) + attentionKinds * heads.reduce(0, +) * n * n
        }
    }

    /// A cache for the teacher's outputs on examples of `lengths` tokens, or nil when they would
    /// take more than `budget` bytes (nil: no limit); and the line the log gets either way.
    func cache(teacher: any Teacher, lengths: [Int], budget: Int?) -> (cache: TeacherOutputCache?, note: String) {
        let bytes = cacheValues(teacher: teacher, lengths: lengths) * MemoryLayout<Float>.size
        let what = (["logits"] + kept.names).joined(separator: ", ")
        if let budget, bytes > budget {
            return (nil, "teacher outputs (\(what)) would take \(Self.size(bytes)) for \(lengths.count) examples, more than the cache's "
                    + "budget (\(Self.size(budget)), a quarter of memory): the teacher runs on every batch")
        }
        let limit = budget.map { " of its \(Self.size($0)) budget" } ?? " (teacher_outputs: cached, no budget)"
        return (TeacherOutputCache(request: kept),
                "teacher outputs (\(what)) cached per example: \(Self.size(bytes)) for \(lengths.count) examples\(limit)")
    }

    /// What the teacher-output cache may hold, in bytes: a quarter of the machine's memory.
    static var memoryBudget: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory / 4) }

    /// `1.5 GiB`, `95.3 MiB`.
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 30 ? String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }

    /// A stage-level problem, as one line.
    struct PlanError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
