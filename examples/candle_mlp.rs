//! Train a small classifier with candle, its activations and loss written as LaTeX by texgrad.
//!
//! A two-layer perceptron on Fisher's Iris (or the UCI Wine data): a hidden layer with a GELU
//! from texgrad's catalog and a user's own activation defined below with `define_activation!`,
//! a softmax along the last dimension (`RowOp`), and the batch cross-entropy as the loss, all
//! differentiated by texgrad and trained by candle's autograd with plain gradient descent.
//!
//! ```text
//! cargo run --release --features candle --example candle_mlp            # Iris
//! cargo run --release --features candle --example candle_mlp -- wine    # Wine
//! ```

use candle_core::{DType, Device, Module, Result, Tensor, Var};
use texgrad::activations::{Gelu, Softmax};
use texgrad::candle::{Op, RowOp, loss};
use texgrad::losses::CrossEntropyBatch;

texgrad::define_activation! {
    /// A smooth leaky activation of the user's own: `x` for large `x`, slope `a` far to the left.
    pub fn smooth_leaky(x; a = 0.1) = r"a x + (1 - a) \log(1 + e^{x})";
}

/// A dataset: standardised features, one-hot labels, and the class of each row.
pub struct Dataset {
    /// The dataset's name.
    pub name: &'static str,
    /// `rows × features`.
    pub features: Vec<Vec<f32>>,
    /// The class of each row.
    pub classes: Vec<usize>,
    /// How many classes there are.
    pub class_count: usize,
}

impl Dataset {
    /// A scikit-learn CSV: a header of `rows, features, class names...`, then one row per sample
    /// with the class last.
    pub fn parse(name: &'static str, text: &str) -> std::result::Result<Dataset, String> {
        let mut lines = text.lines().filter(|line| !line.trim().is_empty());
        let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
        let class_count =
            header.len().checked_sub(2).filter(|&count| count > 0).ok_or("no class names in the header")?;
        let (mut features, mut classes) = (Vec::new(), Vec::new());
        for (number, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            let (class, values) = fields.split_last().ok_or_else(|| format!("row {}: empty", number + 1))?;
            let class: usize = class.trim().parse().map_err(|_| format!("row {}: bad class {class:?}", number + 1))?;
            if class >= class_count {
                return Err(format!("row {}: class {class} but only {class_count} classes", number + 1));
            }
            let values = values
                .iter()
                .map(|value| {
                    value.trim().parse::<f32>().map_err(|_| format!("row {}: bad value {value:?}", number + 1))
                })
                .collect::<std::result::Result<Vec<f32>, String>>()?;
            features.push(values);
            classes.push(class);
        }
        let width = features.first().map_or(0, Vec::len);
        if width == 0 || features.iter().any(|row| row.len() != width) {
            return Err("rows of different lengths".into());
        }
        // Standardise every feature: zero mean, unit variance.
        for column in 0..width {
            let count = features.len() as f32;
            let mean = features.iter().map(|row| row[column]).sum::<f32>() / count;
            let variance = features.iter().map(|row| (row[column] - mean).powi(2)).sum::<f32>() / count;
            let scale = variance.sqrt().max(f32::EPSILON);
            features.iter_mut().for_each(|row| row[column] = (row[column] - mean) / scale);
        }
        Ok(Dataset { name, features, classes, class_count })
    }

    /// The bundled dataset of this name (`iris` or `wine`).
    pub fn bundled(name: &str) -> std::result::Result<Dataset, String> {
        match name {
            "iris" => Dataset::parse("iris", include_str!("../data/iris.csv")),
            "wine" => Dataset::parse("wine", include_str!("../data/wine.csv")),
            other => Err(format!("unknown dataset {other:?}: iris or wine")),
        }
    }

    /// Every fifth row for testing, the rest for training: `(inputs, one-hot targets, classes)`.
    fn split(&self, testing: bool, device: &Device) -> Result<(Tensor, Tensor, Vec<usize>)> {
        let rows: Vec<usize> = (0..self.features.len()).filter(|row| (row % 5 == 0) == testing).collect();
        let width = self.features[0].len();
        let inputs: Vec<f32> = rows.iter().flat_map(|&row| self.features[row].iter().copied()).collect();
        let mut targets = vec![0f32; rows.len() * self.class_count];
        for (position, &row) in rows.iter().enumerate() {
            targets[position * self.class_count + self.classes[row]] = 1.0;
        }
        let classes = rows.iter().map(|&row| self.classes[row]).collect();
        Ok((
            Tensor::from_vec(inputs, (rows.len(), width), device)?,
            Tensor::from_vec(targets, (rows.len(), self.class_count), device)?,
            classes,
        ))
    }
}

/// A two-layer perceptron whose activations are texgrad operations.
pub struct Model {
    first: (Var, Var),
    second: (Var, Var),
}

/// Weights from a fixed linear congruential sequence, scaled as Glorot's uniform
/// initialisation: the run is the same on every machine.
fn weights(rows: usize, columns: usize, seed: u64, device: &Device) -> Result<Var> {
    let mut state = seed;
    let limit = (6.0 / (rows + columns) as f64).sqrt();
    let values: Vec<f32> = (0..rows * columns)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0) as f32 * limit as f32
        })
        .collect();
    Var::from_tensor(&Tensor::from_vec(values, (rows, columns), device)?)
}

impl Model {
    /// A model from `inputs` features through `hidden` units to `classes` probabilities.
    pub fn new(inputs: usize, hidden: usize, classes: usize, device: &Device) -> Result<Model> {
        Ok(Model {
            first: (weights(inputs, hidden, 1, device)?, Var::zeros(hidden, DType::F32, device)?),
            second: (weights(hidden, classes, 2, device)?, Var::zeros(classes, DType::F32, device)?),
        })
    }

    /// The class probabilities of each row of `x`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let hidden = x.matmul(self.first.0.as_tensor())?.broadcast_add(self.first.1.as_tensor())?;
        // Half the hidden units through GELU, half through the user's activation.
        let half = hidden.dim(1)? / 2;
        let gelu = Op(Gelu).forward(&hidden.narrow(1, 0, half)?)?;
        let leaky = Op(SmoothLeaky::<f32>::default()).forward(&hidden.narrow(1, half, hidden.dim(1)? - half)?)?;
        let hidden = Tensor::cat(&[&gelu, &leaky], 1)?;
        let logits = hidden.matmul(self.second.0.as_tensor())?.broadcast_add(self.second.1.as_tensor())?;
        RowOp(Softmax).forward(&logits)
    }

    fn parameters(&self) -> [&Var; 4] {
        [&self.first.0, &self.first.1, &self.second.0, &self.second.1]
    }
}

/// What a training run measured.
#[derive(Debug)]
pub struct Report {
    /// The training loss after each epoch.
    pub losses: Vec<f32>,
    /// The fraction of the held-out rows classified correctly at the end.
    pub test_accuracy: f32,
    /// One over the number of classes: what guessing scores.
    pub chance: f32,
}

/// The fraction of rows whose most probable class is the right one.
fn accuracy(probabilities: &Tensor, classes: &[usize]) -> Result<f32> {
    let predicted = probabilities.argmax(1)?.to_vec1::<u32>()?;
    let correct = predicted.iter().zip(classes).filter(|&(&predicted, &class)| predicted as usize == class).count();
    Ok(correct as f32 / classes.len().max(1) as f32)
}

/// Full-batch gradient descent for `epochs` epochs.
pub fn train(dataset: &Dataset, epochs: usize, learning_rate: f64) -> Result<Report> {
    let device = Device::Cpu;
    let (train_x, train_y, _) = dataset.split(false, &device)?;
    let (test_x, _, test_classes) = dataset.split(true, &device)?;
    let model = Model::new(train_x.dim(1)?, 16, dataset.class_count, &device)?;
    let mut losses = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let error = loss(&CrossEntropyBatch, &model.forward(&train_x)?, &train_y)?;
        let gradients = error.backward()?;
        for parameter in model.parameters() {
            if let Some(gradient) = gradients.get(parameter.as_tensor()) {
                parameter.set(&parameter.as_tensor().sub(&(gradient * learning_rate)?)?)?;
            }
        }
        losses.push(error.to_scalar::<f32>()?);
    }
    let test_accuracy = accuracy(&model.forward(&test_x)?, &test_classes)?;
    Ok(Report { losses, test_accuracy, chance: 1.0 / dataset.class_count as f32 })
}

#[allow(dead_code)] // The tests include this file for `train` and have their own `main`.
fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args().nth(1).unwrap_or_else(|| "iris".to_owned());
    let dataset = Dataset::bundled(&name)?;
    let epochs = 300;
    let report = train(&dataset, epochs, 0.5)?;
    println!(
        "{}: {} rows, {} classes, {epochs} epochs of full-batch gradient descent",
        dataset.name,
        dataset.features.len(),
        dataset.class_count
    );
    for (epoch, value) in report.losses.iter().enumerate().filter(|(epoch, _)| epoch % 50 == 0 || *epoch + 1 == epochs)
    {
        println!("epoch {:>4}: cross-entropy {value:.4}", epoch + 1);
    }
    println!("held-out accuracy {:.1}% (chance {:.1}%)", 100.0 * report.test_accuracy, 100.0 * report.chance);
    Ok(())
}
