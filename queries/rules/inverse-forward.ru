#+ title: A statement holds backwards for the inverse property
#+ description: OWL 2 RL prp-inv1: ?p owl:inverseOf ?q, ?x ?p ?y ⊢ ?y ?q ?x.
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y ?q ?x }
WHERE {
  ?p owl:inverseOf ?q .
  ?x ?p ?y .
  FILTER NOT EXISTS { ?y ?q ?x }
}
