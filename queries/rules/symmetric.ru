#+ title: Symmetric properties hold both ways
#+ description: OWL 2 RL prp-symp: ?p a owl:SymmetricProperty, ?x ?p ?y ⊢ ?y ?p ?x.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y ?p ?x }
WHERE {
  ?p rdf:type owl:SymmetricProperty .
  ?x ?p ?y .
  FILTER NOT EXISTS { ?y ?p ?x }
}
