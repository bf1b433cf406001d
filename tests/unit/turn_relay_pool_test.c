/* SPDX-License-Identifier: BSD-3-Clause */
/* PLACEHOLDER: being written */
