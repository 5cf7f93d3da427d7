//! The matrix as a grid: tactic columns of technique cells, the selection and the scroll.

use ratatui::layout::Rect;

use crate::matrix::Matrix;
use crate::text::sanitize;
use crate::tui::layout;

/// One technique as it stands in a column (a technique under two tactics has two cells).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub id: String,
    /// Sanitized display name.
    pub name: String,
}

/// One tactic column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub tactic: String,
    /// Sanitized display name.
    pub name: String,
    pub cells: Vec<Cell>,
}

/// The grid with its selection (`col`, `row`) and the first column and row drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    pub columns: Vec<Column>,
    pub col: usize,
    pub row: usize,
    pub col_offset: usize,
    pub row_offset: usize,
}

impl Grid {
    pub fn new(matrix: &Matrix) -> Self {
        let columns = matrix
            .tactics
            .iter()
            .map(|t| Column {
                tactic: t.id.as_str().to_owned(),
                name: sanitize(&t.name).into_owned(),
                cells: matrix
                    .techniques_in(t.id.as_str())
                    .map(|x| Cell {
                        id: x.id.as_str().to_owned(),
                        name: sanitize(&x.name).into_owned(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            columns,
            ..Self::default()
        }
    }

    /// The technique under the cursor.
    pub fn selected(&self) -> Option<&Cell> {
        self.columns.get(self.col)?.cells.get(self.row)
    }

    fn column_len(&self, col: usize) -> usize {
        self.columns.get(col).map_or(0, |c| c.cells.len())
    }

    /// Moves the cursor by whole columns and rows, staying inside the grid.
    pub fn move_by(&mut self, dcol: isize, drow: isize) {
        let cols = self.columns.len();
        if cols == 0 {
            return;
        }
        self.col = self.col.saturating_add_signed(dcol).min(cols - 1);
        let len = self.column_len(self.col);
        self.row = self
            .row
            .saturating_add_signed(drow)
            .min(len.saturating_sub(1));
    }

    /// Next or previous column, wrapping around; the row is kept where possible.
    pub fn cycle_column(&mut self, forward: bool) {
        let cols = self.columns.len();
        if cols == 0 {
            return;
        }
        self.col = if forward {
            (self.col + 1) % cols
        } else {
            (self.col + cols - 1) % cols
        };
        self.row = self.row.min(self.column_len(self.col).saturating_sub(1));
    }

    /// Selects a cell if it exists; returns whether it did.
    pub fn select(&mut self, col: usize, row: usize) -> bool {
        if row < self.column_len(col) {
            self.col = col;
            self.row = row;
            true
        } else {
            false
        }
    }

    /// Selects the technique `id`, in the current column when it stands there.
    pub fn select_id(&mut self, id: &str) -> bool {
        if let Some(row) = self
            .columns
            .get(self.col)
            .and_then(|c| c.cells.iter().position(|x| x.id == id))
        {
            self.row = row;
            return true;
        }
        for (col, column) in self.columns.iter().enumerate() {
            if let Some(row) = column.cells.iter().position(|x| x.id == id) {
                self.col = col;
                self.row = row;
                return true;
            }
        }
        false
    }

    /// Selects the tactic column `tactic` (its first technique).
    pub fn select_column(&mut self, tactic: &str) -> bool {
        match self.columns.iter().position(|c| c.tactic == tactic) {
            Some(col) => {
                self.col = col;
                self.row = 0;
                true
            }
            None => false,
        }
    }

    /// The last row of the current column.
    pub fn last_row(&self) -> usize {
        self.column_len(self.col).saturating_sub(1)
    }

    /// Where the grid is drawn in `body`.
    pub fn geometry(&self, body: Rect) -> layout::GridGeometry {
        let longest = self
            .columns
            .iter()
            .map(|c| c.cells.len())
            .max()
            .unwrap_or(0);
        layout::grid(body, self.columns.len(), self.col_offset, longest)
    }

    /// Adjusts the scroll so the cursor is drawn inside `body`.
    pub fn scroll_into_view(&mut self, body: Rect) {
        let visible = layout::visible_columns(body.width, self.columns.len());
        if self.col < self.col_offset {
            self.col_offset = self.col;
        } else if self.col >= self.col_offset + visible {
            self.col_offset = self.col + 1 - visible;
        }
        self.col_offset = self
            .col_offset
            .min(self.columns.len().saturating_sub(visible));
        let rows = self.geometry(body).rows.max(1);
        if self.row < self.row_offset {
            self.row_offset = self.row;
        } else if self.row >= self.row_offset + rows {
            self.row_offset = self.row + 1 - rows;
        }
        let longest = self
            .columns
            .iter()
            .map(|c| c.cells.len())
            .max()
            .unwrap_or(0);
        self.row_offset = self.row_offset.min(longest.saturating_sub(rows));
    }
}
