#ifndef QUANTSCOPE_CNCURSES_SHIM_H
#define QUANTSCOPE_CNCURSES_SHIM_H
// The wide-character API (cchar_t, wget_wch) needs this before <ncurses.h>: SwiftPM drops the
// -D_XOPEN_SOURCE that pkg-config would give.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncurses.h>

// Function-like macros do not import into Swift: one inline function each.
static inline attr_t qs_attr_bold(void) { return A_BOLD; }
static inline attr_t qs_attr_dim(void) { return A_DIM; }
static inline attr_t qs_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t qs_attr_reverse(void) { return A_REVERSE; }

/// Writes one character cell at (y, x) with attributes and colour pair.
/// The corresponding C functions are `setcchar` and `mvadd_wch`.
static inline int qs_put_cell(int y, int x, unsigned int scalar, attr_t attributes, int pair) {
  wchar_t text[2] = {(wchar_t)scalar, 0};
  cchar_t cell;
  if (setcchar(&cell, text, attributes, (short)pair, NULL) != OK) return ERR;
  return mvadd_wch(y, x, &cell);
}

/// Reads one input code; *is_key is 1 for a KEY_* function-key code.
/// Returns ERR on timeout. The corresponding C function is `wget_wch`.
static inline int qs_read_key(unsigned int *code, int *is_key) {
  wint_t value = 0;
  int result = wget_wch(stdscr, &value);
  *code = (unsigned int)value;
  *is_key = (result == KEY_CODE_YES);
  return result == ERR ? ERR : OK;
}
#endif
