#+ title: Sub-class is transitive
#+ description: OWL 2 RL scm-sco: ?c rdfs:subClassOf ?d, ?d rdfs:subClassOf ?e ⊢ ?c rdfs:subClassOf ?e.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?c rdfs:subClassOf ?e }
WHERE {
  ?c rdfs:subClassOf ?d .
  ?d rdfs:subClassOf ?e .
  FILTER NOT EXISTS { ?c rdfs:subClassOf ?e }
}
