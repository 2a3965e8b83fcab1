#+ title: A range widens to the range's super-classes
#+ description: OWL 2 RL scm-rng1: ?p rdfs:range ?c, ?c rdfs:subClassOf ?d ⊢ ?p rdfs:range ?d.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?p rdfs:range ?d }
WHERE {
  ?p rdfs:range ?c .
  ?c rdfs:subClassOf ?d .
  FILTER NOT EXISTS { ?p rdfs:range ?d }
}
