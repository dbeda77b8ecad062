/**
 * Protein function prediction: labels from the Gene Ontology and UniProt ({@code ontology}, {@code labels}),
 * reproducible and leakage-free splits ({@code split}), CAFA-style metrics ({@code metrics}), and predictors that run on
 * frozen embeddings or sequences alone ({@code probe}, {@code baseline}).
 */
package org.esm2j.function;
