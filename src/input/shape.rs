//! Arrays as matrices: which dimensions are the samples and which the
//! classes, and a shape in NumPy's words.

/// Samples and classes of an array as PyTorch's losses see a tensor: the
/// last dimension is the classes, the others the samples, so a 1-D array
/// is one sample ("no batch dimension") and (A, B, C) is A·B samples.
pub fn array_matrix_shape(dims: &[usize]) -> Result<(usize, usize), &'static str> {
    // An empty 1-D array (`np.zeros(0)`, JSON `[]`) is no samples.
    if dims == [0] {
        return Ok((0, 0));
    }
    let Some((&cols, leading)) = dims.split_last() else {
        return Err(
            "a 0-dimensional array (a scalar), but a loss needs samples of classes: \
                    save at least a 1-D array",
        );
    };
    let rows = leading
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or("the shape holds more values than any file can")?;
    Ok((rows, cols))
}

/// A shape as NumPy prints it: `(5,)`, `(5, 1)`.
pub fn shape_text(dims: &[usize]) -> String {
    match dims {
        [one] => format!("({one},)"),
        _ => {
            let parts: Vec<String> = dims.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}
