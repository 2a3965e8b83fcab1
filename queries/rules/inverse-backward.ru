#+ title: A statement of the inverse property holds backwards for the property
#+ description: OWL 2 RL prp-inv2: ?p owl:inverseOf ?q, ?x ?q ?y ⊢ ?y ?p ?x.
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?y ?p ?x }
WHERE {
  ?p owl:inverseOf ?q .
  ?x ?q ?y .
  FILTER NOT EXISTS { ?y ?p ?x }
}
