/// A student or loss that needs the teacher run on every batch, because what the teacher
/// would see changes from one epoch to the next (data augmentation, input noise, a teacher
/// in training mode).
///
/// A distillation stage otherwise computes the teacher's outputs once per training example
/// and reuses them every epoch (`teacher_outputs: auto`): the teacher is in evaluation mode
/// and the inputs are the same, so the outputs are too, and the teacher's forward pass is
/// most of a step's cost. Conform and return true to make `auto` mean online.
public protocol OnlineTeacherOutputs {
    /// True when the teacher must see every batch afresh.
    var needsOnlineTeacherOutputs: Bool { get }
}
