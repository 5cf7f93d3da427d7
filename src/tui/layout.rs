//! Screen geometry as pure functions of the terminal size: where the header, body, grid
//! columns, search results and help go. Drawing and mouse hit-testing share these, so a
//! click lands on what was drawn.

use std::ops::Range;

use ratatui::layout::Rect;

/// Narrowest inner width of a grid column: a readable name plus the badge column.
pub const MIN_CELL: u16 = 18;
/// Widest inner width of a grid column.
pub const MAX_CELL: u16 = 40;
/// Most search results shown at once.
pub const MAX_RESULTS: u16 = 20;

/// The three bands of every screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub body: Rect,
    pub footer: Rect,
}

pub fn screen(area: Rect) -> Screen {
    let header = Rect {
        height: area.height.min(1),
        ..area
    };
    let footer_h = u16::from(area.height >= 2);
    let footer = Rect {
        y: area.bottom().saturating_sub(footer_h),
        height: footer_h,
        ..area
    };
    let body = Rect {
        y: area.y + header.height,
        height: area.height.saturating_sub(header.height + footer_h),
        ..area
    };
    Screen {
        header,
        body,
        footer,
    }
}

/// How many tactic columns fit side by side in `width`.
pub fn visible_columns(width: u16, total: usize) -> usize {
    let fit = usize::from(width.saturating_sub(1) / (MIN_CELL + 1));
    fit.clamp(1, total.max(1))
}

/// Where the grid's columns and cell rows are on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GridGeometry {
    /// The grid block, borders included.
    pub area: Rect,
    /// Indices of the tactic columns drawn, left to right.
    pub columns: Range<usize>,
    /// Screen x of each drawn column's left border, plus one past the last right border.
    pub edges: Vec<u16>,
    /// Cell rows that fit between the top and bottom borders.
    pub rows: usize,
}

impl GridGeometry {
    /// Inner rectangle (inside the borders) of the `i`-th drawn column.
    pub fn column_inner(&self, i: usize) -> Rect {
        let x = self.edges[i] + 1;
        let width = self.edges[i + 1].saturating_sub(x);
        Rect::new(x, self.area.y + 1, width, self.rows as u16)
    }

    /// The grid column and the row (relative to the first row drawn) under a screen point.
    pub fn cell_at(&self, x: u16, y: u16) -> Option<(usize, usize)> {
        if y <= self.area.y || usize::from(y - self.area.y) > self.rows {
            return None;
        }
        let row = usize::from(y - self.area.y - 1);
        (0..self.columns.len()).find_map(|i| {
            let inner = self.column_inner(i);
            (x >= inner.x && x < inner.right()).then_some((self.columns.start + i, row))
        })
    }
}

/// The grid in `body`, showing columns from `first` on, as tall as its longest column
/// (`longest` cells) where the body allows.
pub fn grid(body: Rect, total: usize, first: usize, longest: usize) -> GridGeometry {
    let count = visible_columns(body.width, total);
    let first = first.min(total.saturating_sub(count));
    let avail = body.width.saturating_sub(1);
    let slot = (avail / count.max(1) as u16).min(MAX_CELL + 1);
    let extra = if slot == MAX_CELL + 1 {
        0
    } else {
        avail - slot * count as u16
    };
    let mut edges = Vec::with_capacity(count + 1);
    let mut x = body.x;
    for i in 0..count {
        edges.push(x);
        x += slot + u16::from((i as u16) < extra);
    }
    edges.push(x);
    let width = x + 1 - body.x;
    let wanted = u16::try_from(longest)
        .unwrap_or(u16::MAX)
        .saturating_add(2)
        .max(3);
    let height = wanted.min(body.height);
    GridGeometry {
        area: Rect {
            width: width.min(body.width),
            height,
            ..body
        },
        columns: first..(first + count).min(total),
        edges,
        rows: usize::from(height.saturating_sub(2)),
    }
}

/// The part of the body under the grid (the preview, or the search results).
pub fn below(body: Rect, grid: &GridGeometry) -> Rect {
    let y = grid.area.bottom().min(body.bottom());
    Rect {
        y,
        height: body.bottom() - y,
        ..body
    }
}

/// The search results box: under the grid, as tall as its hits; over the lower part of
/// the grid when the terminal is too short for both.
pub fn results(body: Rect, grid: &GridGeometry, hits: usize) -> Rect {
    let wanted = u16::try_from(hits.max(1))
        .unwrap_or(MAX_RESULTS)
        .min(MAX_RESULTS)
        + 2;
    let lower = below(body, grid);
    if lower.height >= 5 {
        Rect {
            height: wanted.min(lower.height),
            ..lower
        }
    } else {
        let height = wanted.min(body.height);
        Rect {
            y: body.bottom() - height,
            height,
            ..body
        }
    }
}

/// A page in the body: a rule (with the scroll position), then the text with a one-cell
/// margin on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageGeometry {
    pub rule: Rect,
    pub text: Rect,
}

pub fn page(body: Rect) -> PageGeometry {
    let rule = Rect {
        height: body.height.min(1),
        ..body
    };
    let text = Rect {
        x: body.x + 1,
        y: rule.bottom(),
        width: body.width.saturating_sub(2),
        height: body.height.saturating_sub(1),
    };
    PageGeometry { rule, text }
}

/// The help overlay on the whole screen.
pub fn help(area: Rect) -> Rect {
    centered(area, 84, area.height.saturating_sub(2))
}

/// A centred overlay of at most `width` x `height`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_show_four_columns_and_wide_ones_all_ten() {
        assert_eq!(visible_columns(80, 10), 4);
        assert_eq!(visible_columns(160, 10), 8);
        assert_eq!(visible_columns(200, 10), 10);
        assert_eq!(visible_columns(10, 10), 1);
        let g = grid(Rect::new(0, 1, 200, 58), 10, 0, 7);
        assert_eq!(g.columns, 0..10);
        assert_eq!(*g.edges.last().expect("edges"), 199);
        assert_eq!(g.area.height, 9, "as tall as the longest column");
        let g = grid(Rect::new(0, 1, 80, 22), 10, 9, 40);
        assert_eq!(g.columns, 6..10, "scrolling stops at the last column");
        assert_eq!(g.rows, 20);
    }

    #[test]
    fn hit_testing_matches_the_cells() {
        let g = grid(Rect::new(0, 1, 80, 22), 10, 2, 7);
        assert_eq!(g.cell_at(1, 2), Some((2, 0)));
        assert_eq!(g.cell_at(0, 2), None, "a border");
        assert_eq!(g.cell_at(1, 1), None, "the title row");
        assert_eq!(g.cell_at(25, 5), Some((3, 3)));
    }
}
