/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder: being written (issue #5). */
int main(void);
int main(void) { return 1; }
