#+ title: The subject of a statement is in its property's domain
#+ description: OWL 2 RL prp-dom: ?p rdfs:domain ?c, ?x ?p ?y ⊢ ?x a ?c. Not for owl:Thing: "?x a owl:Thing" is trivia the build drops, and deriving it for every subject cost a third of this rule's work.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
INSERT { ?x rdf:type ?c }
WHERE {
  ?p rdfs:domain ?c .
  FILTER (?c != owl:Thing)
  ?x ?p ?y .
  FILTER NOT EXISTS { ?x rdf:type ?c }
}
