//! Aligned columns as Go's `text/tabwriter` writes them with kubectl's
//! settings (min width 6, padding 3, pad with spaces, widths remembered
//! across flushes).

use std::io::{self, Write};

const MIN_WIDTH: usize = 6;
const PADDING: usize = 3;

/// Buffers rows of cells and writes them aligned on [`TabWriter::flush`].
///
/// Every cell but a row's last is padded to its column's width (the widest
/// cell plus 3, at least 6). As with `tabwriter.RememberWidths`, a column
/// never gets narrower after a flush, so pages and watch events printed
/// one after the other stay aligned as long as later rows fit.
#[derive(Default)]
pub struct TabWriter {
    rows: Vec<Vec<String>>,
    widths: Vec<usize>,
    /// The bytes of the queued cells.
    bytes: usize,
}

impl TabWriter {
    /// Queues one row. Control characters in a cell are escaped (see
    /// [`super::escape::cell`]): a cell is server text, on one line.
    pub fn row(&mut self, cells: Vec<String>) {
        let cells: Vec<String> = cells.into_iter().map(super::escape::cell_owned).collect();
        self.bytes += cells.iter().map(String::len).sum::<usize>();
        self.rows.push(cells);
    }

    /// The bytes of the cells queued and not yet written.
    pub fn buffered_bytes(&self) -> usize {
        self.bytes
    }

    /// Writes the queued rows, aligned, and forgets them.
    pub fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.bytes = 0;
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
                let width = (cell.chars().count() + PADDING).max(MIN_WIDTH);
                if i >= self.widths.len() {
                    self.widths.push(width);
                } else if self.widths[i] < width {
                    self.widths[i] = width;
                }
            }
        }
        for row in self.rows.drain(..) {
            let mut line = String::new();
            let last = row.len().saturating_sub(1);
            for (i, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if i < last {
                    let pad = self.widths[i] - cell.chars().count();
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(rows: &[&[&str]]) -> String {
        let mut tw = TabWriter::default();
        for r in rows {
            tw.row(r.iter().map(|c| c.to_string()).collect());
        }
        let mut out = Vec::new();
        tw.flush(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn aligns_like_kubectl() {
        assert_eq!(
            render(&[&["NAME", "READY", "AGE"], &["gateway-abcde", "1/1", "5d"]]),
            "NAME            READY   AGE\ngateway-abcde   1/1     5d\n"
        );
    }

    #[test]
    fn minimum_width_is_six() {
        assert_eq!(render(&[&["A", "B"], &["x", "y"]]), "A     B\nx     y\n");
    }

    #[test]
    fn widths_never_shrink_across_flushes() {
        let mut tw = TabWriter::default();
        tw.row(vec!["long-name-here".into(), "x".into()]);
        let mut out = Vec::new();
        tw.flush(&mut out).unwrap();
        tw.row(vec!["a".into(), "y".into()]);
        tw.flush(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "long-name-here   x\na                y\n"
        );
    }

    #[test]
    fn width_counts_characters_not_bytes() {
        assert_eq!(
            render(&[&["héé", "x"], &["abcdef", "y"]]),
            "héé      x\nabcdef   y\n"
        );
    }
}
