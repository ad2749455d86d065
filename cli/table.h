/* SPDX-License-Identifier: GPL-2.0-only */
/* Aligned text tables: columns as wide as their widest cell. */
#ifndef EGRESSCTL_TABLE_H
#define EGRESSCTL_TABLE_H

#include <stdio.h>

struct table {
	size_t ncols, nrows, cap;
	char **cells;		/* nrows * ncols, row 0 the header (if any) */
};

/* A table of ncols columns; header names (ncols of them) or NULL. */
int table_init(struct table *t, size_t ncols, const char *const *header);
/* Adds a row of ncols cells; NULL prints as "-". 0 or -ENOMEM. */
int table_add(struct table *t, const char *const *cells);
/* Two spaces between columns, the last not padded. */
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

#endif /* EGRESSCTL_TABLE_H */
