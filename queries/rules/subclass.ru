#+ title: Instances of a class are instances of its super-classes
#+ description: OWL 2 RL cax-sco: ?c rdfs:subClassOf ?d, ?x a ?c ⊢ ?x a ?d.
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?x rdf:type ?d }
WHERE {
  ?c rdfs:subClassOf ?d .
  ?x rdf:type ?c .
  FILTER NOT EXISTS { ?x rdf:type ?d }
}
